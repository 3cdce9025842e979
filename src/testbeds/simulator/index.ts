// The reference simulator as a Testbed: a provider and a peer on one simulated network, virtual time.
import type { FaultName, Testbed, TestbedFactory, WinsockProcess, Wire } from '../../core/ports';
import { LOOPBACK, Network } from './network';
import { MUTANTS, type MutantName } from './mutants';
import { CHOICES, DEFAULT_CHOICES, type SimulatorChoices } from './options';
import { SimulatedPeer } from './peer';
import { SimulatedProcess } from './provider';

// `mutant=NAME` runs one of MUTANTS (mutants.ts) instead of the reference provider: each breaks the
// documented rules it names, and `npm run mutants` runs the suite against every one of them.
export interface SimulatorOptions {
  choices: SimulatorChoices;
  mutant: MutantName | null;
}

/** Parse `--backend-option key=value` pairs; an unknown key or value is a one-line error naming the valid ones. */
export function parseSimulatorOptions(raw: Record<string, string>): SimulatorOptions {
  const choices: SimulatorChoices = { ...DEFAULT_CHOICES };
  let mutant: MutantName | null = null;
  const keys = Object.keys(CHOICES) as (keyof SimulatorChoices)[];
  for (const [option, value] of Object.entries(raw)) {
    if (option === 'mutant') {
      const found = MUTANTS.find((m) => m.name === value);
      if (!found) throw new Error(`unknown mutant '${value}'; valid: ${MUTANTS.map((m) => m.name).join(', ')}`);
      mutant = found.name;
      continue;
    }
    const key = keys.find((k) => CHOICES[k].option === option);
    if (!key) {
      throw new Error(`unknown simulator option '${option}'; valid: ${[...keys.map((k) => CHOICES[k].option), 'mutant'].join(', ')}`);
    }
    const allowed: readonly string[] = CHOICES[key].values;
    if (!allowed.includes(value)) throw new Error(`simulator option ${option} takes ${allowed.join(' or ')}, not '${value}'`);
    Object.assign(choices, { [key]: value });
  }
  return { choices, mutant };
}

export const SIMULATOR_MODEL_VERSION = '1';

class SimulatorTestbed implements Testbed {
  readonly backend = 'simulator';
  readonly faults: readonly FaultName[] = ['network-down'];
  private readonly net = new Network();
  readonly peer = new SimulatedPeer(this.net);
  readonly wire: Wire;
  readonly notCapturedBecause = null;
  private main: SimulatedProcess | null = null;
  /** The reference provider, or the mutant's in its place. */
  private readonly Provider: typeof SimulatedProcess;

  constructor(private readonly options: SimulatorOptions) {
    this.Provider = MUTANTS.find((m) => m.name === options.mutant)?.Provider ?? SimulatedProcess;
    let from = 0;
    let startedAt = 0;
    this.wire = {
      start: async () => {
        from = this.net.wire.length;
        startedAt = this.net.clock.now();
      },
      seen: async () => this.net.wire.slice(from).map((p) => ({ ...p, t: p.t - startedAt })),
      stop: async () => ({ packets: await this.wire.seen(), pcap: null }),
      packetsSoFar: () => this.net.wire.length - from,
    };
  }

  now(): number {
    return this.net.clock.now();
  }

  /** The modelled host pair shares one loopback address. */
  hostAddress(): string {
    return LOOPBACK;
  }

  async mainProcess(): Promise<WinsockProcess> {
    return this.mainSimulatedProcess();
  }

  private mainSimulatedProcess(): SimulatedProcess {
    this.main ??= new this.Provider(this.net, this.options, true);
    return this.main;
  }

  async uninitialisedProcess(): Promise<WinsockProcess> {
    return new this.Provider(this.net, this.options, false, this.mainSimulatedProcess());
  }

  async inject(fault: FaultName): Promise<void> {
    this.mainSimulatedProcess().faults.add(fault);
  }

  async endScenario(): Promise<void> {
    this.main?.faults.clear();
    this.peer.endScenario();
  }

  async metadata(): Promise<Record<string, string>> {
    const { choices, mutant } = this.options;
    return {
      backend: 'simulator',
      'simulator model': SIMULATOR_MODEL_VERSION,
      ...Object.fromEntries(Object.entries(choices).map(([k, v]) => [`choice ${k}`, String(v)])),
      ...(mutant ? { mutant } : {}),
    };
  }

  async close(): Promise<void> {
    await this.main?.release();
    this.peer.endScenario();
  }
}

export const simulatorTestbed: TestbedFactory = {
  checkOptions: (options) => void parseSimulatorOptions(options),
  create: async (options) => new SimulatorTestbed(parseSimulatorOptions(options)),
};
