/** OpenAI Sora 2 on the Videos API (or an OpenAI-compatible server). */

export { buildOpenAIJudgeRequest, callOpenAIJudge } from './openai-judge.ts';
export { createOpenAIProvider, mapOpenAIError, OPENAI_CLIENT } from './openai-provider.ts';
export { buildOpenAISpeechRequest, callOpenAISpeech } from './openai-speech.ts';
export {
  buildVideoCreate,
  OPENAI_PROVIDER,
  type OpenAIOperation,
  OpenAIVideoModel,
} from './openai-video-model.ts';
