import type { ChainFamily, SegmentRule, SideConstant } from '../../types.js'

export interface Point0PresetOptions {
  /**
   * Points server-render by default (point0's `Engine.create({ ssr })`). Default: read from the
   * app's `Engine.create({ ... })` when the server build would cut a render method; a finding
   * (`W_SSR_UNKNOWN`) when chaincut cannot read it.
   */
  ssr?: boolean
  /** Rewrite `X.lets.<type>(...)` to the explicit `X.lets('<type>', '<name>', ...)`. Default: true. */
  desugar?: boolean
}

/** point0's point types: `X.lets('<type>', ...)` and `X.lets.<type>(...)` (README "Before and after"). */
export const POINT_TYPES = [
  'page', 'layout', 'component', 'provider', 'query', 'infiniteQuery', 'mutation', 'action',
  'subscription', 'channel', 'space', 'serverHandler', 'clientHandler', 'root', 'base', 'plugin',
]
export const HTTP_VERBS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']

const SOCKET_METHODS = [
  'channel', 'channelOptions', 'space', 'spaceOptions',
  'serverHandler', 'serverHandlerOptions', 'clientHandler', 'clientHandlerOptions',
]

const RENDER_BASES = ['page', 'layout', 'component', 'provider', 'with', 'mapper', 'wrapper', 'head', 'loading', 'error']
const RENDER_VARIANTS = ['Loading', 'Error', 'Head', 'Wrapper', 'Mapper', 'With', 'Provider']
/** Render methods and their page/layout/component variants (pageLoading, layoutError, ...). */
export const RENDER_METHODS = [
  ...RENDER_BASES,
  ...['page', 'layout', 'component'].flatMap((p) => RENDER_VARIANTS.map((v) => p + v)),
]

/**
 * The runtime API of a finished point, as point0's engine declares it (its `Nice*ReadyPoint`
 * types): what these return (a query result, a connection, a fetch's response) is not a chain.
 */
export const RUNTIME_METHODS = [
  // query
  'useQuery', 'useSuspenseQuery', 'getQueryKey', 'getQueryOptions', 'fetchQuery', 'prefetchQuery', 'getQueryData',
  'ensureQueryData', 'refetchQuery', 'setQueryData', 'getQueryCache', 'getQueriesCache', 'getQueryState',
  'cancelQuery', 'invalidateQuery', 'removeQuery', 'resetQuery',
  // infinite query
  'useInfiniteQuery', 'useSuspenseInfiniteQuery', 'getInfiniteQueryKey', 'getInfiniteQueryOptions',
  'fetchInfiniteQuery', 'prefetchInfiniteQuery', 'getInfiniteQueryData', 'ensureInfiniteQueryData',
  'refetchInfiniteQuery', 'setInfiniteQueryData', 'getInfiniteQueryCache', 'getInfiniteQueriesCache',
  'getInfiniteQueryState', 'cancelInfiniteQuery', 'invalidateInfiniteQuery', 'removeInfiniteQuery', 'resetInfiniteQuery',
  // mutation
  'useMutation', 'fetchMutation', 'getMutationKey', 'getMutationOptions', 'getMutationCache', 'getMutationsCache',
  // HTTP
  'fetch', 'fetchServer', 'fetchServerDetailed', 'getFetchServerOptions', 'prefetchPage',
  // subscription
  'useSubscription', 'fetchSubscription',
  // mountables
  'useValue', 'getValue', 'getValueOrUndefined', 'Page', 'Layout', 'Component', 'Provider', 'X', 'route',
  // channel
  'connect', 'useConnection', 'getConnection', 'getConnectionOrUndefined', 'Connection', 'kill', 'refresh', 'amendIdentity',
  // space
  'join', 'useMembership', 'getMembership', 'getMembershipOrUndefined', 'Membership', 'kick', 'enroll',
  // handlers
  'sendToServer', 'sendToClient', 'onMessageFromServer', 'useOnMessageFromServer', 'iterateMessagesFromServer',
  'useSocketQuery', 'useSuspenseSocketQuery', 'useSocketInfiniteQuery', 'useSuspenseSocketInfiniteQuery',
  'useSocketMutation', 'fetchSocketQuery', 'fetchSocketInfiniteQuery', 'prefetchSocketQuery',
  'prefetchSocketInfiniteQuery', 'ensureSocketQueryData', 'ensureSocketInfiniteQueryData', 'getSocketQueryOptions',
  'getSocketInfiniteQueryOptions', 'getSocketQueryKey', 'getSocketInfiniteQueryKey', 'getSocketQueryData',
  'getSocketInfiniteQueryData', 'setSocketQueryData', 'setSocketInfiniteQueryData', 'getSocketQueryState',
  'getSocketInfiniteQueryState', 'getSocketQueryCache', 'getSocketInfiniteQueryCache', 'getSocketQueriesCache',
  'getSocketInfiniteQueriesCache', 'refetchSocketQuery', 'refetchSocketInfiniteQuery', 'invalidateSocketQuery',
  'invalidateSocketInfiniteQuery', 'cancelSocketQuery', 'cancelSocketInfiniteQuery', 'removeSocketQuery',
  'removeSocketInfiniteQuery', 'resetSocketQuery', 'resetSocketInfiniteQuery', 'fetchSocketMutation',
  'getSocketMutationKey', 'getSocketMutationOptions', 'getSocketMutationCache', 'getSocketMutationsCache',
  'toString', 'toJSON', 'toStringWithLocation',
]

/** point0's cut table, method name → rule per side, as rows. */
function point0Segments(): Record<string, SegmentRule> {
  const rows: Record<string, SegmentRule> = {}
  const set = (names: string[], side: 'client' | 'server', rule: SegmentRule['client']) => {
    for (const name of names) rows[name] = { ...rows[name], [side]: rule }
  }
  // client build
  set(
    [
      'input', 'loader', 'connector', 'joiner', 'enroller', 'action', 'headers', 'cookies', 'body',
      'ctx', 'serverOn', 'serverOnPrefetchPage', 'middleware', 'response', 'description', 'openapi',
      'models', 'clientSend', 'serverReply',
    ],
    'client',
    'args',
  )
  set(['params', 'search'], 'client', { rule: 'args', pointTypes: ['action'] })
  set(['clientReply'], 'client', 'afterFirst')
  set(SOCKET_METHODS, 'client', { keys: ['server'] })
  set(['ssr'], 'client', 'ssrEnabledOnly')
  // server build
  set(['clientLoader'], 'server', 'argsUnlessBoolean')
  set(['clientInput'], 'server', 'toEmptyObjectFn')
  set(
    [
      'serverSend', 'scrollPosition', 'scrollRestore', 'prefetchPageOnNavigate',
      'prefetchPageOnLinkHover', 'prefetchPagePolicy', 'clientOnPrefetchPage',
    ],
    'server',
    'args',
  )
  set(['clientOn'], 'server', 'lastArg')
  set(['clientReply'], 'server', 'firstToNoop')
  set(SOCKET_METHODS, 'server', { keys: ['client'] })
  set(['subscription', 'subscriptionOptions'], 'server', {
    keys: ['onMessageFromServer', 'onConnect', 'onDisconnect', 'onError'],
  })
  set(RENDER_METHODS, 'server', { rule: 'args', unlessServerRendered: true })
  return rows
}

/**
 * point0's `env` helper, folded per side as point0's compiler folds it (its `shakeForEnv`):
 * `env` imported from `@point0/core` (by binding), or `_point0_env`, the name point0's
 * compiler gives it, by spelling.
 */
const ENV = { import: 'env', from: '@point0/core', names: ['_point0_env'] }

/** Expression → value per side (a side left out is a runtime read there). */
export const POINT0_SIDE_CONSTANTS: SideConstant[] = [
  { root: ENV, path: ['side', 'is', 'server'], client: false, server: true },
  { root: ENV, path: ['side', 'is', 'client'], client: true, server: false },
  // point0's compiler leaves `env.side.name` a runtime read; its docs branch on `env.side.name === 'server'`
  { root: ENV, path: ['side', 'name'], client: 'client', server: 'server' },
  { root: ENV, path: ['side', 'define', 'server'], call: true, client: 'undefined', server: 'argument' },
  { root: ENV, path: ['side', 'define', 'client'], call: true, client: 'argument', server: 'undefined' },
  { root: ENV, path: ['side', 'define', 'unsafe', 'server'], call: true, client: 'undefined', server: 'argument' },
  { root: ENV, path: ['side', 'define', 'unsafe', 'client'], call: true, client: 'argument', server: 'undefined' },
  { root: ENV, path: ['side', 'define'], call: true, client: { key: 'client' }, server: { key: 'server' } },
  // no server render is ever under way in the browser; on the server these are runtime state
  { root: ENV, path: ['ssr', 'active'], client: false },
  { root: ENV, path: ['ssr', 'phase'], client: 'none' },
  { root: ENV, path: ['ssr', 'target'], client: 'none' },
]

/** The point0 preset: its heads, cut table and point notation (docs/reference.md "How it decides"). */
export function point0(options: Point0PresetOptions = {}): ChainFamily {
  return {
    name: 'point0',
    heads: [
      { import: 'Point0', from: '@point0/core' },
      { member: 'lets', firstArg: [...POINT_TYPES, ...HTTP_VERBS] },
    ],
    segments: point0Segments(),
    closers: [...POINT_TYPES, 'action'],
    runtime: RUNTIME_METHODS,
    points: {
      member: 'lets',
      types: POINT_TYPES,
      verbs: HTTP_VERBS,
      verbType: 'action',
      desugar: options.desugar ?? true,
      // not given: read from the app's `Engine.create({ ssr })` (see core/engine.ts)
      ...(options.ssr !== undefined ? { ssr: options.ssr } : {}),
      engine: { import: 'Engine', from: '@point0/engine', method: 'create' },
      ssrMethod: 'ssr',
      clientOnlyMethod: 'clientOnly',
      extraSuffixes: {
        infiniteQuery: ['Query'],
        serverHandler: ['Handler'],
        clientHandler: ['Handler'],
      },
    },
    sideConstants: POINT0_SIDE_CONSTANTS,
    // point0's marker: a module that imports it is server-only
    serverModules: ['@point0/core/server-only'],
    hints: ['lets'],
  }
}
