import { expect } from 'vitest'
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { point0, tailorkit, type ChaincutOptions, type ChainFamily, type TransformOptions } from '../src/index.js'

export const ROOT = join(import.meta.dirname, '..')
export const FIXTURES = join(ROOT, 'fixtures')

export interface CaseSpec {
  title: string
  options?: {
    presets?: Array<'point0' | 'tailorkit'>
    point0?: Parameters<typeof point0>[0]
    tailorkit?: Parameters<typeof tailorkit>[0]
    chains?: ChainFamily[]
    onUnsafe?: 'error' | 'warn'
    serverOnly?: string[]
  }
  clientMustNotContain?: string[]
  clientMustContain?: string[]
  serverMustContain?: string[]
  serverMustNotContain?: string[]
  unchanged?: boolean
  error?: { side: 'client' | 'server'; code: string; message?: string; hint?: string; line?: number; column?: number }
  /** Per side: substrings that some `report.notChains` reason must contain (one reason per entry). */
  notChains?: { client?: string[]; server?: string[] }
  /** Per side: the finding codes (warnings) the report lists, exactly (`[]`: none). */
  warnings?: { client?: string[]; server?: string[] }
}

export interface FixtureCase {
  family: string
  name: string
  dir: string
  input: string
  ext: string
  spec: CaseSpec
}

export function loadFixtures(): FixtureCase[] {
  const cases: FixtureCase[] = []
  for (const family of readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const familyDir = join(FIXTURES, family)
    for (const name of readdirSync(familyDir).sort()) {
      const dir = join(familyDir, name)
      const specFile = join(dir, 'case.json')
      if (!existsSync(specFile)) continue
      const input = readdirSync(dir).find((f) => /^input\.[cm]?[jt]sx?$/.test(f))
      if (!input) throw new Error(`fixture ${family}/${name} has no input file`)
      const spec = JSON.parse(readFileSync(specFile, 'utf8')) as CaseSpec
      cases.push({ family, name, dir, input: join(dir, input), ext: input.slice('input'.length), spec })
    }
  }
  return cases
}

/** case.json options → transform options (preset factories for the preset option objects). */
export function caseOptions(spec: CaseSpec): ChaincutOptions {
  const o = spec.options ?? {}
  const names = o.presets ?? (['point0', 'tailorkit'] as const)
  const presets = names.map((name) => {
    if (name === 'point0') return o.point0 ? point0(o.point0) : 'point0'
    return o.tailorkit ? tailorkit(o.tailorkit) : 'tailorkit'
  }) as ChaincutOptions['presets']
  return { presets, chains: o.chains, onUnsafe: o.onUnsafe, serverOnly: o.serverOnly }
}

let edits = 0
/**
 * Writes a file as an edit made before the build: its mtime a minute ago, each write a distinct
 * one. (The persistent cache does not store a result made from a file modified within 2 s.)
 */
export function writeEdited(dir: string, name: string, text: string): void {
  const file = join(dir, name)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  const t = Date.now() / 1000 - 60 - edits++
  utimesSync(file, t, t)
}

export type { TransformOptions }

/** Writes `files` (path relative to `dir` → text) into `dir`, creating their folders. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
  return dir
}

/**
 * The client output of `code` as `file`, or '(build refused)' when the transform refuses it
 * with a ChaincutError naming the file and a position: what a leak check reads.
 */
export async function clientOrRefused(code: string, file: string): Promise<string> {
  const { transform, ChaincutError } = await import('../src/index.js')
  return transform(code, file, { side: 'client' }).then(
    (r) => r?.code ?? code,
    (error: unknown) => {
      expect(error).toBeInstanceOf(ChaincutError)
      expect((error as Error).message).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`))
      return '(build refused)'
    },
  )
}
