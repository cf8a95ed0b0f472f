// Peer for the audio edition: the espeak-ng WebAssembly build from npm, run plainly
// (one CLI invocation over the whole text, no SSML, no per-section work) to one WAV.
// Usage: node espeak-wav.mjs <input.md> <output.wav> [voice]
import fs from 'node:fs'
import ESpeakNg from 'espeak-ng'

const [input, output, voice = 'cmn'] = process.argv.slice(2)
if (!input || !output) {
  console.error('usage: espeak-wav.mjs <input.md> <output.wav> [voice]')
  process.exit(2)
}

// Markdown marks would be spoken; strip the few the manuscripts use.
const text = fs
  .readFileSync(input, 'utf8')
  .replace(/^---\n[\s\S]*?\n---\n/, '')
  .replace(/^#{1,6}\s+/gm, '')
  .replace(/\*\*/g, '')

const espeak = await ESpeakNg({
  arguments: ['-v', voice, '-w', '/out.wav', '-f', '/in.txt'],
  preRun: [(module) => module.FS.writeFile('/in.txt', text)],
  print: () => {},
  printErr: (line) => console.error(line)
})
fs.writeFileSync(output, espeak.FS.readFile('/out.wav'))
