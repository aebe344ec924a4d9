// Profiles for the end-to-end tests and the benchmark, written as folded stacks or pprof.
import { gzipSync } from 'node:zlib';
import { encodePprof } from '../../core/pprof';
import { ProfileBuilder } from '../../core/profile';
import { makeFrame, type Frame } from '../../core/profile/types';

/** A small service profile: the hot function is spin_compress_block. */
export const SERVICE_FOLDED = [
  'hot-c;main;serve;handle_request;spin_parse_request 180',
  'hot-c;main;serve;handle_request;compress_response;spin_compress_block 520',
  'hot-c;main;serve;handle_request;auth_check;spin_verify_session_token 240',
  'hot-c;main;serve;handle_request;auth_check;load_secret_key 40',
  'hot-c;main;serve;accept_loop;__x64_sys_accept4_[k] 30',
  'hot-c;main;serve;accept_loop;__x64_sys_accept4_[k];tcp_recvmsg_[k] 25',
  'hot-c;main;/home/alice/build/app/src/log.c:write_log 60',
  'hot-c;main;gc;mark_sweep 45',
  'hot-c;main;jit_compiled_fn_[j] 35',
].join('\n');

/** Names a hostile host might send: markup that must show as text. */
export const HOSTILE_NAMES = ['<img src=x onerror=window.__pwned=1>', '<script>window.__pwned=2</script>', '"><svg onload=window.__pwned=3>', '{{constructor.constructor("window.__pwned=4")()}}'];

export function hostileFolded(): string {
  return HOSTILE_NAMES.map((n, i) => `evil;main;${n.replace(/;/g, ',')} ${100 * (i + 1)}`).join('\n');
}

/** A synthetic profile with about `nodes` distinct flame-graph nodes (for the benchmark). */
/** With `processes` > 1 the stacks are spread over that many processes (app0, app1...), one thread each. */
export function syntheticPprof(nodes: number, seed = 1, processes = 1): Uint8Array {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const builder = new ProfileBuilder({ hz: 99, startTimeMs: 1_700_000_000_000, endTimeMs: 1_700_000_060_000 });
  const frames: { id: number; frame: Frame }[] = [];
  const stacks: { id: number; frames: number[] }[] = [];
  const counts: { stackId: number; comm: string; pid: number; tid: number; count: number }[] = [];
  // A random tree: each new node hangs under a random earlier node; every node is a leaf of one stack.
  const parent: number[] = [-1];
  frames.push({ id: 0, frame: makeFrame('main') });
  for (let i = 1; i < nodes; i++) {
    const p = Math.floor(Math.pow(rnd(), 1.6) * i);
    parent.push(p);
    const kind = rnd() < 0.1 ? 'kernel' : rnd() < 0.05 ? 'jit' : 'user';
    frames.push({ id: i, frame: makeFrame(`fn_${i.toString(36)}_${kind === 'kernel' ? 'sys' : 'work'}`, { kind, module: '/usr/lib/app.so' }) });
  }
  for (let i = 0; i < nodes; i++) {
    const path: number[] = [];
    for (let at = i; at >= 0; at = parent[at] ?? -1) path.push(at);
    stacks.push({ id: i, frames: path });
    const proc = processes > 1 ? i % processes : 0;
    counts.push({ stackId: i, comm: processes > 1 ? `app${proc}` : 'app', pid: 100 + proc, tid: 100 + proc, count: 1 + Math.floor(rnd() * rnd() * 200) });
  }
  builder.apply({ newFrames: frames, newStacks: stacks, counts, stats: { samples: 0, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } } });
  return new Uint8Array(gzipSync(encodePprof(builder.snapshot())));
}

/** A realistic-looking Go API service, for the README screenshot. */
export function demoFolded(): string {
  const lines: string[] = [];
  const base = 'api-server;runtime.main;main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;github.com/acme/api/internal/router.(*Router).ServeHTTP';
  const handlers: [string, [string, number][]][] = [
    ['github.com/acme/api/internal/orders.(*Handler).Create', [
      ['encoding/json.(*Decoder).Decode;encoding/json.(*decodeState).object;encoding/json.(*decodeState).literalStore', 310],
      ['github.com/acme/api/internal/orders.validate;regexp.(*Regexp).MatchString;regexp.(*Regexp).doExecute', 180],
      ['database/sql.(*DB).ExecContext;github.com/jackc/pgx/v5.(*Conn).Exec;syscall.write_[k];tcp_sendmsg_[k]', 260],
      ['github.com/acme/api/internal/auth.VerifySessionToken;crypto/hmac.(*hmac).Sum;crypto/sha256.block', 420],
    ]],
    ['github.com/acme/api/internal/search.(*Handler).Query', [
      ['github.com/acme/api/internal/search.(*Index).Lookup;github.com/acme/api/internal/search.score', 690],
      ['github.com/acme/api/internal/search.(*Index).Lookup;sort.Slice;sort.pdqsort_func', 240],
      ['compress/gzip.(*Writer).Write;compress/flate.(*compressor).deflate;compress/flate.(*compressor).findMatch', 530],
      ['encoding/json.Marshal;encoding/json.(*encodeState).reflectValue', 270],
    ]],
    ['github.com/acme/api/internal/health.Check', [['runtime.nanotime', 25]]],
  ];
  for (const [h, leaves] of handlers) for (const [leaf, n] of leaves) lines.push(`${base};${h};${leaf} ${n}`);
  lines.push('api-server;runtime.gcBgMarkWorker;runtime.gcDrain;runtime.scanobject;runtime.greyobject 380');
  lines.push('api-server;runtime.gcBgMarkWorker;runtime.gcDrain;runtime.markroot 120');
  lines.push('api-server;runtime.mcall;runtime.schedule;runtime.findRunnable;runtime.netpoll;epoll_wait_[k] 150');
  lines.push('api-server;runtime.mcall;runtime.park_m;runtime.schedule 60');
  lines.push('api-server;v8::internal::Builtins_InterpreterEntryTrampoline_[j];LazyCompile:*renderTemplate_[j] 90');
  return lines.join('\n');
}
