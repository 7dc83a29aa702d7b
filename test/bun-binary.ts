import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')

/**
 * The Bun binary of the `bun` npm package: its postinstall puts it in `bin/bun.exe`; without
 * the postinstall (`--ignore-scripts`) that file is a placeholder and the binary is still in
 * the platform package (`@oven/bun-linux-x64`).
 */
export const BUN =
  [join(ROOT, 'node_modules/bun/bin/bun.exe'), join(ROOT, `node_modules/@oven/bun-${process.platform}-${process.arch}/bin/bun`)].find(
    (file) => existsSync(file) && statSync(file).size > 1_000_000,
  ) ?? join(ROOT, 'node_modules/bun/bin/bun.exe')
