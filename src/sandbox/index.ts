/**
 * The provider sandbox: local stand-ins for every provider API the project supports, on one
 * loopback port, each under its own prefix and speaking its real wire protocol
 * (docs/sandbox.md).
 */
export {
  parseSandboxFlags,
  runSandboxCommand,
  SANDBOX_USAGE,
  type SandboxCommandIO,
} from './command.ts';
export { signKlingToken } from './jwt.ts';
export { replicateVersionOf } from './providers/replicate.ts';
export { DEFAULT_KLING_KEYS, DEFAULT_LATENCY_MS, startSandbox } from './server.ts';
export {
  FAULT_KINDS,
  type FaultKind,
  PROVIDER_NAMES,
  type ProviderName,
  type ProviderStats,
  type SandboxHandle,
  type SandboxJob,
  type SandboxOptions,
  type SandboxStats,
} from './types.ts';
