#!/usr/bin/env node
/** The `chaincut` command: `inspect`, `check`, `report` (docs/reference.md "CLI"). */
import { main } from './hosts/cli.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    process.stderr.write(`chaincut: ${(error as Error).stack ?? error}\n`)
    process.exitCode = 1
  },
)
