/**
 * The interpreter's decoder: the instruction table filtered by CPU model,
 * with a per-word cache of specialised executors (an executor depends only on
 * the instruction word, so identical words share one).
 */
import type { Cpu } from './cpu.js';
import { INSTRUCTIONS } from './isa/index.js';
import { type CompiledInsn, Decoder, decodeFields, type Exec, P7, P8, P9, variantMnemonic } from './table.js';

export type CpuModelName = 'power7' | 'power8' | 'power9';

export const MODEL_BITS: Record<CpuModelName, number> = { power7: P7, power8: P8, power9: P9 };

export interface DecodedInsn<C> {
  readonly ci: CompiledInsn<C>;
  readonly mnemonic: string;
  /** Undefined when the instruction is decoded but has no implementation. */
  readonly exec: Exec<C> | undefined;
}

export class ModelDecoder {
  readonly decoder: Decoder<Cpu>;
  private readonly cache = new Map<number, DecodedInsn<Cpu> | null>();

  constructor(readonly model: CpuModelName) {
    const bit = MODEL_BITS[model];
    this.decoder = new Decoder<Cpu>(INSTRUCTIONS.filter((d) => ((d.models ?? P7 | P8 | P9) & bit) !== 0));
  }

  decode(word: number): DecodedInsn<Cpu> | undefined {
    const hit = this.cache.get(word);
    if (hit !== undefined) return hit ?? undefined;
    const ci = this.decoder.lookup(word);
    let d: DecodedInsn<Cpu> | null = null;
    if (ci) {
      const f = decodeFields(ci, word);
      d = { ci, mnemonic: variantMnemonic(ci, word), exec: ci.def.exec ? ci.def.exec(f, ci.def) : undefined };
    }
    if (this.cache.size > 1 << 18) this.cache.clear();
    this.cache.set(word, d);
    return d ?? undefined;
  }
}

const decoders = new Map<CpuModelName, ModelDecoder>();

export function decoderFor(model: CpuModelName): ModelDecoder {
  let d = decoders.get(model);
  if (!d) decoders.set(model, (d = new ModelDecoder(model)));
  return d;
}

/** Decode with the default (POWER8) model. */
export function decodeOne(word: number): DecodedInsn<Cpu> | undefined {
  return decoderFor('power8').decode(word);
}
