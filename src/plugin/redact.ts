/**
 * README "How it decides", source maps: Rollup (and `vite build`) embeds a module's
 * original text in the bundle's map, not the transform map's `sourcesContent`, which
 * chaincut blanks; so the cut code is blanked again in the written maps.
 *
 * Kept per module id, as plain data (the blanked text and a digest of the original),
 * only for modules whose text chaincut blanked, and released when the bundle closes.
 */
import { createHash } from 'node:crypto'

const digest = (text: string) => createHash('sha256').update(text).digest('base64')

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

export class SourceRedactions {
  /** environment → module id → its original text's length and digest, and the text with the cut code blanked (each side blanks other code) */
  private readonly environments = new Map<string, Map<string, { length: number; digest: string; redacted: string }>>()
  /** Off in Vite dev, where no bundle is written. */
  enabled: boolean

  constructor(enabled: boolean) {
    this.enabled = enabled
  }

  record(environment: string, id: string, original: string, map: { sourcesContent?: Array<string | null> } | undefined): void {
    const redacted = map?.sourcesContent?.[0]
    let modules = this.environments.get(environment)
    if (!this.enabled || redacted == null || redacted === original) modules?.delete(id)
    else {
      if (!modules) this.environments.set(environment, (modules = new Map()))
      modules.set(id, { length: original.length, digest: digest(original), redacted })
    }
  }

  /** Releases one environment's entries, or all. */
  clear(environment?: string): void {
    if (environment === undefined) this.environments.clear()
    else this.environments.delete(environment)
  }

  /** `generateBundle`: each chunk's map, and the map asset or inline map written from it. */
  redact(environment: string, bundle: Record<string, ChunkLike | AssetLike>): void {
    const modules = [...(this.environments.get(environment)?.values() ?? [])]
    if (!modules.length) return
    const lengths = new Set(modules.map((r) => r.length))
    const byDigest = new Map(modules.map((r) => [r.digest, r.redacted]))
    for (const chunk of Object.values(bundle) as ChunkLike[]) {
      const map = chunk?.type === 'chunk' ? chunk.map : null
      if (!map || !Array.isArray(map.sourcesContent)) continue
      let changed = false
      const contents = map.sourcesContent.map((original) => {
        const redacted = original != null && lengths.has(original.length) ? byDigest.get(digest(original)) : undefined
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
