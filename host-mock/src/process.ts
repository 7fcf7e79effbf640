// What Envoy keeps once per process rather than per VM: shared data (one key-value namespace per
// vm_id, with a single process-wide CAS counter, §6.6 and §11.8), shared queues (§6.7, §11.9) with
// the event loop that delivers their notifications, and the stats store behind proxy_*_metric
// (§6.10). Hosts given the same ProxyProcess behave like VMs of one Envoy — worker
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

export interface SharedQueue {
  readonly id: number;
  readonly vmId: string;
  readonly name: string;
  readonly items: Uint8Array[];
  /** notifies the root that registered the queue last (proxy_on_queue_ready on its VM) */
  notify: ((queueId: number) => void) | null;
}

export class ProxyProcess {
  private readonly shared = new Map<string, Map<string, SharedValue>>();
  private readonly queuesByName = new Map<string, SharedQueue>();
  private readonly queuesById = new Map<number, SharedQueue>();
  private lastQueueId = 0;
  private readonly posted: Array<() => void> = [];
  private running = false;
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

  /** Creates or reopens the queue (vm_id, name); the caller becomes its notification target. */
  registerQueue(vmId: string, name: string, notify: (queueId: number) => void): number {
    const key = `${vmId}\0${name}`;
    let q = this.queuesByName.get(key);
    if (q === undefined) {
      q = { id: ++this.lastQueueId, vmId, name, items: [], notify: null }; // tokens start at 1, never 0
      this.queuesByName.set(key, q);
      this.queuesById.set(q.id, q);
    }
    q.notify = notify; // the last registration wins
    return q.id;
  }

  resolveQueue(vmId: string, name: string): number | undefined {
    return this.queuesByName.get(`${vmId}\0${name}`)?.id;
  }

  queue(id: number): SharedQueue | undefined {
    return this.queuesById.get(id);
  }

  /** Appends and posts one notification to the registrant: it runs on a later turn, never inside the enqueue. */
  enqueue(id: number, value: Uint8Array): boolean {
    const q = this.queuesById.get(id);
    if (q === undefined) return false;
    q.items.push(value.slice());
    const notify = q.notify;
    if (notify !== null) this.posted.push(() => notify(id));
    return true;
  }

  /**
   * The process's event loop: runs posted notifications once no VM is inside a callback. Every VM
   * calls it when its own after-callback work is done; notifications posted by a notification run
   * in the same turn, in order.
   */
  runPosted(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (let task = this.posted.shift(); task !== undefined; task = this.posted.shift()) task();
    } finally {
      this.running = false;
    }
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
