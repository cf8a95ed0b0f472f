/**
 * Installed versions of the speech and encoding packages, part of every cache key: upgrading
 * eSpeak, LAME or msedge-tts invalidates cached audio without anyone remembering to.
 */
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const cache = new Map<string, string>()

export function packageVersion(name: string): string {
  const known = cache.get(name)
  if (known) return known
  let version = 'unknown'
  try {
    // Walk up from the entry point: some packages do not export their package.json.
    let dir = path.dirname(require.resolve(name))
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, 'package.json')
      if (fs.existsSync(file)) {
        const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {name?: string; version?: string}
        if (json.name === name) {
          version = json.version ?? 'unknown'
          break
        }
      }
      dir = path.dirname(dir)
    }
  } catch {
    // Unresolvable: the engine itself will fail with a clearer error.
  }
  cache.set(name, version)
  return version
}

/** The Edge engine's output format and cache version, kept here so that planning a build
 * (which needs the version for cache keys) does not load msedge-tts and axios. */
export const EDGE_FORMAT = 'audio-24khz-48kbitrate-mono-mp3'
export const EDGE_VERSION = `msedge-tts@${packageVersion('msedge-tts')}/${EDGE_FORMAT}/v1`
