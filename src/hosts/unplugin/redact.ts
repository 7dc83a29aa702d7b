/**
 * docs/reference.md "How it decides", source maps: Rollup (and `vite build`) embeds a module's
 * original text in the bundle's map, not the transform map's `sourcesContent`, which
 * chaincut blanks; so the cut code is blanked again in the written maps.
 *
 * Kept per module id, as plain data (the original text and the edits; the blanked text is
 * made only for a text a written map holds), only for modules whose text chaincut blanks,
 * and released when the bundle closes.
 */
import { redactedSource, type StoredEdits } from '../../rewrite/emit.js'

interface ChunkLike {
  type?: string
  fileName?: string
  sourcemapFileName?: string | null
  code?: string
  map?: { sourcesContent?: Array<string | null>; toString?: () => string } | null
}
interface AssetLike {
  type?: string
  source?: unknown
}

/** A module whose text the client map blanks: its original text and the edits; the blanked text once asked. */
interface Redaction {
  original: string
  edits: StoredEdits
  redacted?: string | null
}

export class SourceRedactions {
  /** environment → module id → its original text and the edits that say what is blanked in it */
  private readonly environments = new Map<string, Map<string, Redaction>>()
  /** Off in Vite dev, where no bundle is written. */
  enabled: boolean

  constructor(enabled: boolean) {
    this.enabled = enabled
  }

  /**
   * A transformed module: kept when its map would blank code (the client's cut code). Nothing is
   * computed now: most builds write no maps, and a match needs the text only in `generateBundle`.
   */
  record(environment: string, id: string, original: string, edits: StoredEdits | null): void {
    let modules = this.environments.get(environment)
    if (!this.enabled || !edits?.redact || !edits.edits.some(([start, end, , kind]) => kind !== 'desugar' && end > start)) modules?.delete(id)
    else {
      if (!modules) this.environments.set(environment, (modules = new Map()))
      modules.set(id, { original, edits })
    }
  }

  /** Releases one environment's entries, or all. */
  clear(environment?: string): void {
    if (environment === undefined) this.environments.clear()
    else this.environments.delete(environment)
  }

  /** `generateBundle`: each chunk's map, and the map asset or inline map written from it. */
  redact(environment: string, bundle: Record<string, ChunkLike | AssetLike>): void {
    const modules = this.environments.get(environment)
    if (!modules?.size) return
    // by length, then by the text itself (a string compare reads the text only when the lengths agree)
    const byLength = new Map<number, Redaction[]>()
    for (const r of modules.values()) {
      const same = byLength.get(r.original.length)
      if (same) same.push(r)
      else byLength.set(r.original.length, [r])
    }
    const redactedOf = (original: string) => {
      const r = byLength.get(original.length)?.find((m) => m.original === original)
      if (!r) return null
      if (r.redacted === undefined) r.redacted = redactedSource(r.original, r.edits)
      return r.redacted
    }
    for (const chunk of Object.values(bundle) as ChunkLike[]) {
      const map = chunk?.type === 'chunk' ? chunk.map : null
      if (!map || !Array.isArray(map.sourcesContent)) continue
      let changed = false
      const contents = map.sourcesContent.map((original) => {
        const redacted = original != null ? redactedOf(original) : null
        if (redacted == null || redacted === original) return original
        changed = true
        return redacted
      })
      if (!changed) continue
      const text = () => (typeof map.toString === 'function' && map.toString !== Object.prototype.toString ? map.toString() : JSON.stringify(map))
      const dataUrl = (json: string) => `data:application/json;charset=utf-8;base64,${Buffer.from(json).toString('base64')}`
      const before = text()
      map.sourcesContent = contents
      const after = text()
      // the map file was emitted before this hook, and an inline map is in the code
      const asset = bundle[chunk.sourcemapFileName ?? `${chunk.fileName}.map`] as AssetLike | undefined
      if (asset?.type === 'asset' && typeof asset.source === 'string') asset.source = after
      if (typeof chunk.code === 'string' && chunk.code.includes(dataUrl(before))) chunk.code = chunk.code.replace(dataUrl(before), dataUrl(after))
    }
  }
}
