#!/usr/bin/env node
// The `imprint` command. imprint ships its TypeScript sources and runs them through
// tsx's loader, so there is no build step to forget after `npm ci`.
import {register} from 'tsx/esm/api'

register()
const {main} = await import('./cli.ts')
process.exitCode = await main(process.argv)
