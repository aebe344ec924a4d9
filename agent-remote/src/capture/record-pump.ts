// The sampler's stdout: parses records and hands each to the aggregator, the symbolizer or the
// session. The started event waits for the sampler's capabilities after its drop (CAPS stage 1)
// or for the first record of another kind (samplers without CAPS records).
import type { EmberError } from '../../../core/errors';
import { RecordParser, type CapsRecord, type EndRecord, type HeaderRecord, type SamplerRecord, type StatsRecord } from '../sampler/records';
import { parseKallsyms } from '../symbolize/kallsyms';
import type { Symbolizer } from '../symbolize/symbolizer';
import type { Aggregator } from './aggregator';
import type { CodedMessage } from './classify';

export interface PumpSinks {
  started(header: HeaderRecord, caps: CapsRecord | undefined): void;
  /** An interval closed (a STATS record). */
  interval(stats: StatsRecord): void;
  /** The sampler's END record. */
  end(record: EndRecord): void;
  /** Its stdout broke the record format: the capture stops. */
  broken(error: EmberError): void;
}

export class RecordPump {
  private readonly parser = new RecordParser();
  private pendingHeader: HeaderRecord | undefined;
  private caps: CapsRecord | undefined;
  startedSent = false;
  sawEnd = false;
  /** The sampler's own total (its END record): lets the app check that every interval arrived. */
  samplerTotal: number | undefined;
  errorRecord: CodedMessage | undefined;
  parseError: EmberError | undefined;

  constructor(
    private readonly agg: Aggregator,
    private readonly symbolizer: Symbolizer,
    private readonly sinks: PumpSinks,
  ) {}

  push(chunk: Buffer): void {
    if (this.parseError) return;
    for (const r of this.parser.push(chunk)) this.dispatch(r);
    if (this.parser.error) {
      this.parseError = this.parser.error;
      this.sinks.broken(this.parseError);
    }
  }

  /** The sampler is gone: a started event still waiting goes out; a record cut in half is a parse error. */
  finish(): void {
    this.sendStarted();
    if (this.parseError) return;
    try {
      this.parser.end();
    } catch (e) {
      this.parseError = e as EmberError;
    }
  }

  private sendStarted(): void {
    if (!this.pendingHeader) return;
    this.sinks.started(this.pendingHeader, this.caps);
    this.pendingHeader = undefined;
    this.startedSent = true;
  }

  private dispatch(r: SamplerRecord): void {
    if (this.pendingHeader && r.type !== 'caps') this.sendStarted();
    switch (r.type) {
      case 'header':
        this.pendingHeader = r;
        break;
      case 'caps':
        this.caps = r;
        if (r.stage >= 1) this.sendStarted();
        break;
      case 'stack':
        this.agg.onStack(r);
        break;
      case 'maps':
        if (!r.unreadable) this.agg.onMaps(r.tgid, r.text);
        break;
      case 'kallsyms':
        this.symbolizer.setKernelSymbols(parseKallsyms(r.bytes));
        break;
      case 'count':
        this.agg.onCount(r);
        break;
      case 'stats':
        this.sinks.interval(r);
        break;
      case 'end':
        this.sawEnd = true;
        this.samplerTotal = r.totalSamples;
        this.sinks.end(r);
        break;
      case 'error':
        this.errorRecord = { code: r.code, message: r.message };
        break;
      case 'unknown':
        break;
    }
  }
}
