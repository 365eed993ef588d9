/** The adapter contract on every adapter of the table (adapter-specs.ts). */
import { adapterContract } from './adapter-harness.ts';
import { ADAPTER_SPECS } from './adapter-specs.ts';

for (const spec of ADAPTER_SPECS) adapterContract(spec);
