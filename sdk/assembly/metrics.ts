// Metrics (proxy_define_metric / increment / record / get).

import { MetricType, WasmResult } from "./abi/enums";
import { proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric } from "./abi/imports";
import { OUT_U32, OUT_U64, encode1, scratchBase } from "./abi/memory";

/** Result of define_metric / get_metric. */
export class MetricResult {
  result: WasmResult = WasmResult.Ok;
  metric_id: u32 = 0;
  value: u64 = 0;
}

export function define_metric(typ: MetricType, name: string): MetricResult {
  const n = encode1(name);
  store<u32>(OUT_U32, 0);
  const res = new MetricResult();
  res.result = proxy_define_metric(<u32>typ, scratchBase(), n, OUT_U32);
  if (res.result == WasmResult.Ok) res.metric_id = load<u32>(OUT_U32);
  return res;
}

export function increment_metric(metric_id: u32, delta: i64): WasmResult {
  return proxy_increment_metric(metric_id, delta);
}

export function record_metric(metric_id: u32, value: u64): WasmResult {
  return proxy_record_metric(metric_id, value);
}

export function get_metric(metric_id: u32): MetricResult {
  store<u64>(OUT_U64, 0);
  const res = new MetricResult();
  res.metric_id = metric_id;
  res.result = proxy_get_metric(metric_id, OUT_U64);
  if (res.result == WasmResult.Ok) res.value = load<u64>(OUT_U64);
  return res;
}

/** A metric defined at construction; `metric_id` is 0 and `defineResult` non-Ok if that failed. */
export class Metric {
  metric_id: u32;
  defineResult: WasmResult;
  constructor(typ: MetricType, name: string) {
    const r = define_metric(typ, name);
    this.metric_id = r.metric_id;
    this.defineResult = r.result;
  }
  /** Current value (counters and gauges), 0 on error. */
  get(): u64 {
    return get_metric(this.metric_id).value;
  }
}

export class Counter extends Metric {
  constructor(name: string) { super(MetricType.Counter, name); }
  increment(delta: u32 = 1): WasmResult { return proxy_increment_metric(this.metric_id, <i64>delta); }
}

export class Gauge extends Metric {
  constructor(name: string) { super(MetricType.Gauge, name); }
  increment(delta: i64): WasmResult { return proxy_increment_metric(this.metric_id, delta); }
  /** Sets the gauge. */
  set(value: u64): WasmResult { return proxy_record_metric(this.metric_id, value); }
}

export class Histogram extends Metric {
  constructor(name: string) { super(MetricType.Histogram, name); }
  record(value: u64): WasmResult { return proxy_record_metric(this.metric_id, value); }
}
