/**
 * The HTML audit (docs/audit.md): one self-contained file, the page of `audit-page.html` (plain
 * CSS and JavaScript, no framework, nothing fetched) with the audit data embedded as JSON,
 * gzip-compressed and in base64: the reports in one element, the modules' texts in another (the
 * page decompresses them with the browser's `DecompressionStream`, the texts only when a module
 * is first shown). Base64 holds no `<`: nothing from the app's code can end the element. The
 * plugin and the CLI write it through `writeAuditHtml`; a file already at the path that chaincut
 * wrote keeps the environments this build did not build (a client `vite build`, then
 * `vite build --ssr`).
 */
import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { isAuditData, mergeAudit, type AuditData, type AuditEdit, type AuditEnvironment } from './audit.js'
import { ChaincutOptionsError } from '../findings/errors.js'
import { DEFAULT_HTML_REPORT } from '../config/options.js'

const DATA_OPEN = '<script type="application/octet-stream" id="chaincut-audit">'
const TEXTS_OPEN = '<script type="application/octet-stream" id="chaincut-texts">'
const PAGE_OPEN = '<script id="chaincut-page">'

/** JSON, gzip-compressed, in base64: what the page's elements hold. */
function pack(value: unknown): string {
  return gzipSync(JSON.stringify(value)).toString('base64')
}

function unpack(base64: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(base64.trim(), 'base64')).toString('utf8'))
}

/** The text of the element that starts with `open` in `html`, or null. */
function element(html: string, open: string): string | null {
  const start = html.indexOf(open)
  const end = start < 0 ? -1 : html.indexOf('</script>', start)
  return end < 0 ? null : html.slice(start + open.length, end)
}

let template: string | undefined

/** The page, kept beside this module (`npm run build` copies it into dist/report). */
function pageTemplate(): string {
  if (template !== undefined) return template
  const file = new URL('./audit-page.html', import.meta.url)
  try {
    return (template = readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`[chaincut] the HTML audit's page is missing (${file.pathname}): ${(error as Error).message}; a build of chaincut copies src/report/audit-page.html into dist/report`)
  }
}

/** The page with `data` embedded. Its script runs under a Content-Security-Policy that allows that script only (by hash): nothing else runs, nothing loads. */
export function renderAuditHtml(data: AuditData): string {
  const page = pageTemplate()
  const scriptStart = page.indexOf(PAGE_OPEN)
  const scriptEnd = page.indexOf('</script>', scriptStart)
  if (scriptStart < 0 || scriptEnd < 0) throw new Error('[chaincut] the HTML audit page has no page script')
  const script = page.slice(scriptStart + PAGE_OPEN.length, scriptEnd)
  const hash = createHash('sha256').update(script).digest('base64')
  const csp = `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`
  // what only a module's page needs (its text, the edits of each side) is kept apart from the reports
  const edits: Record<string, Record<string, AuditEdit[]>> = {}
  const environments: Record<string, AuditEnvironment> = {}
  for (const [name, env] of Object.entries(data.environments)) {
    environments[name] = {
      ...env,
      modules: env.modules.map(({ edits: moduleEdits, ...m }) => {
        if (moduleEdits) (edits[name] ??= {})[m.id] = moduleEdits
        return m
      }),
    }
  }
  // function replacements: nothing in the data is read as a replacement pattern
  return page
    .replace('__CHAINCUT_CSP__', () => csp)
    .replace('__CHAINCUT_DATA__', () => pack({ ...data, texts: undefined, environments }))
    .replace('__CHAINCUT_TEXTS__', () => pack({ texts: data.texts, edits }))
}

/** The audit data embedded in an HTML audit, or null (not chaincut's, or not readable). */
export function readAuditHtml(file: string): AuditData | null {
  let html: string
  try {
    html = readFileSync(file, 'utf8')
  } catch {
    return null
  }
  const reports = element(html, DATA_OPEN)
  const texts = element(html, TEXTS_OPEN)
  if (reports === null || texts === null) return null
  try {
    const extra = unpack(texts) as { texts: Record<string, string>; edits: Record<string, Record<string, AuditEdit[]>> }
    const data = { ...(unpack(reports) as AuditData), texts: extra.texts }
    if (!isAuditData(data)) return null
    for (const [name, env] of Object.entries(data.environments)) {
      for (const m of env.modules) {
        const moduleEdits = extra.edits?.[name]?.[m.id]
        if (moduleEdits) m.edits = moduleEdits
      }
    }
    return data
  } catch {
    return null
  }
}

/**
 * Writes the HTML audit at `path` (relative to `root`): with `merge`, over the data of a file
 * chaincut wrote there before, each environment `data` holds replaced and the others kept.
 * Written to a temporary file and renamed: a reader never sees half a file.
 */
export function writeAuditHtml(path: string, data: AuditData, { root = process.cwd(), merge = true }: { root?: string; merge?: boolean } = {}): string {
  const file = resolve(root, path)
  const merged = merge ? mergeAudit(readAuditHtml(file), data) : data
  mkdirSync(dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, renderAuditHtml(merged))
  renameSync(temp, file)
  return file
}

/** Whether `file` is `folder` or inside it. */
export function isInside(file: string, folder: string): boolean {
  const path = relative(resolve(folder), resolve(file))
  return path === '' || (!path.startsWith('..') && !isAbsolute(path))
}

/**
 * The audit holds the server's code: it is never written where the client's files are deployed
 * from (an output folder of the client build, Vite's `publicDir`). `what` names the folder as
 * the bundler's options do.
 */
export function refuseInsideOutput(option: string, file: string, folder: string, what: string, root = process.cwd()): void {
  if (!isInside(file, folder)) return
  const show = (p: string) => {
    const r = relative(root, p)
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : p
  }
  throw new ChaincutOptionsError(
    'report',
    option,
    `report: the HTML audit would be written to ${show(file)}, inside ${show(folder)} (${what}), which is deployed with the client; ` +
      `the audit holds the server's code, so chaincut does not write it there. Write it outside every output folder, ` +
      `e.g. report: '${DEFAULT_HTML_REPORT}' (report: 'html' writes there)`,
  )
}
