// proxy_define_metric, proxy_increment_metric, proxy_record_metric, proxy_get_metric (§6.10):
// ids per VM with the metric type in the low two bits (counters 4, 8, …; gauges 5, 9, …;
// histograms 6, 10, …); a repeated define gets a new id for the same stat.

import { MetricType, WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function metricImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_define_metric: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, type: number, namePtr: number, nameSize: number, retIdPtr: number): number => {
        type >>>= 0;
        if (type > MetricType.Histogram) return WasmResult.BadArgument;
        const name = h.mem.readString(namePtr >>> 0, nameSize >>> 0);
        h.mem.writeU32(retIdPtr >>> 0, h.defineMetric(type as MetricType, name));
        return WasmResult.Ok;
      },
    },
    proxy_increment_metric: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, delta: bigint): number => {
        const stat = h.metricById(id >>> 0);
        if (stat === undefined) return WasmResult.NotFound;
        const d = BigInt.asIntN(64, BigInt(delta));
        if (stat.type === MetricType.Counter) {
          if (d <= 0n) return WasmResult.BadArgument;
          stat.value += d;
        } else if (stat.type === MetricType.Gauge) {
          stat.value += d;
        } else {
          return WasmResult.BadArgument;
        }
        return WasmResult.Ok;
      },
    },
    proxy_record_metric: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, value: bigint): number => {
        const stat = h.metricById(id >>> 0);
        if (stat === undefined) return WasmResult.NotFound;
        const v = BigInt.asUintN(64, BigInt(value));
        if (stat.type === MetricType.Counter) stat.value += v; // Envoy adds to a counter
        else if (stat.type === MetricType.Gauge) stat.value = v;
        else stat.samples.push(v);
        return WasmResult.Ok;
      },
    },
    proxy_get_metric: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, retPtr: number): number => {
        const stat = h.metricById(id >>> 0);
        if (stat === undefined) return WasmResult.NotFound;
        if (stat.type === MetricType.Histogram) return WasmResult.BadArgument;
        h.mem.writeU64(retPtr >>> 0, stat.value);
        return WasmResult.Ok;
      },
    },
  };
}
