/** Veo on Google's two surfaces: the Gemini API (`google`) and Vertex AI (`vertex`). */

export { buildGeminiJudgeRequest, callGeminiJudge } from './gemini-judge.ts';
export { buildGeminiSpeechRequest, callGeminiSpeech } from './gemini-speech.ts';
export { createGoogleProvider, GOOGLE_CLIENT, GOOGLE_PROVIDER } from './google-provider.ts';
export { ImagenImageModel, imagenRatio } from './imagen-image-model.ts';
export { buildVeoRequest, mapGoogleError, operationErrorCode, type VeoSurface } from './veo.ts';
export { type VeoOperation, VeoVideoModel } from './veo-video-model.ts';
export {
  createVertexProvider,
  VERTEX_PROVIDER,
  VERTEX_STORAGE_BASE_URL,
  type VertexProviderOptions,
} from './vertex-provider.ts';
