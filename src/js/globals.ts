/**
 * Names that are the platform's own when no module declares them: the
 * JavaScript built-ins, the browser's and Node's globals. A call on one of
 * these is proven not a chain ("a JavaScript/platform global"); any other
 * undeclared name (an auto-import, a framework global) is unknown.
 */
const NAMES = `
undefined NaN Infinity globalThis Object Function Array Number String Boolean Symbol BigInt Math JSON
Date RegExp Error AggregateError EvalError RangeError ReferenceError SyntaxError TypeError URIError
Promise Proxy Reflect Map Set WeakMap WeakSet WeakRef FinalizationRegistry ArrayBuffer SharedArrayBuffer
DataView Atomics Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array Uint32Array
Float32Array Float64Array BigInt64Array BigUint64Array Intl eval isFinite isNaN parseFloat parseInt
decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape Iterator
window self document navigator location history screen localStorage sessionStorage indexedDB caches
console fetch Request Response Headers FormData URL URLSearchParams Blob File FileReader AbortController
AbortSignal Event EventTarget CustomEvent MessageChannel MessagePort BroadcastChannel Worker WebSocket
EventSource XMLHttpRequest TextEncoder TextDecoder ReadableStream WritableStream TransformStream
crypto performance queueMicrotask structuredClone setTimeout clearTimeout setInterval clearInterval
requestAnimationFrame cancelAnimationFrame requestIdleCallback cancelIdleCallback alert confirm prompt
atob btoa getComputedStyle matchMedia customElements HTMLElement Element Node NodeList DOMParser
MutationObserver IntersectionObserver ResizeObserver Image Audio Notification
process Buffer global require module exports __dirname __filename setImmediate clearImmediate
`
export const PLATFORM_GLOBALS: ReadonlySet<string> = new Set(NAMES.split(/\s+/).filter(Boolean))
