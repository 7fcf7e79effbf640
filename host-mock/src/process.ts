// What Envoy keeps once per process rather than per VM: shared data (one key-value namespace per
// vm_id, with a single process-wide CAS counter, §6.6 and §11.8) and the stats store behind
// proxy_*_metric (§6.10). Hosts given the same ProxyProcess behave like VMs of one Envoy — worker
// VMs of a plugin, or plugins sharing a vm_id; by default every host has a process of its own, so
// tests never share state by accident.
import { MetricType } from "../../sdk/assembly/abi/enums.ts";

export interface SharedValue {
  value: Uint8Array;
  cas: number;
}

export interface Stat {
  readonly type: MetricType;
  /** counter total, or gauge value */
  value: bigint;
  /** histogram samples, in recording order */
  readonly samples: bigint[];
}

export class ProxyProcess {
  private readonly shared = new Map<string, Map<string, SharedValue>>();
  private lastCas = 0;
  private readonly stats = new Map<string, Stat>();

  /** The value stored under `key` for `vmId`, with its CAS. */
  getShared(vmId: string, key: string): SharedValue | undefined {
    return this.shared.get(vmId)?.get(key);
  }

  /**
   * Envoy's set: a non-zero `cas` that differs from the stored one is a mismatch (nothing written);
   * `cas` 0, a matching `cas`, or an absent key write the value under the next process-wide CAS.
   */
  setShared(vmId: string, key: string, value: Uint8Array, cas: number): "ok" | "cas-mismatch" {
    let space = this.shared.get(vmId);
    if (space === undefined) this.shared.set(vmId, (space = new Map()));
    const current = space.get(key);
    if (current !== undefined && cas !== 0 && cas !== current.cas) return "cas-mismatch";
    this.lastCas = this.lastCas === 0xffffffff ? 1 : this.lastCas + 1; // u32, 0 never used
    space.set(key, { value: value.slice(), cas: this.lastCas });
    return "ok";
  }

  /**
   * The stat a plugin defined under `name` (Envoy stores it as `wasmcustom.<name>`), created on
   * first use. Counters, gauges and histograms are separate namespaces, as in Envoy's stats store.
   */
  stat(name: string, type: MetricType): Stat {
    const key = `${type} ${name}`;
    let s = this.stats.get(key);
    if (s === undefined) this.stats.set(key, (s = { type, value: 0n, samples: [] }));
    return s;
  }

  /** The stat of that name and type, if a plugin of this process defined it. */
  findStat(name: string, type: MetricType): Stat | undefined {
    return this.stats.get(`${type} ${name}`);
  }
}
