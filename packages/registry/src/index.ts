export {
  type Challenge,
  type Credentials,
  credentialsFromDockerConfig,
  dockerConfigFor,
  ENV_HOST,
  ENV_PASSWORD,
  ENV_USERNAME,
  findCredentials,
  helmRegistryConfigPath,
  parseWwwAuthenticate,
} from './auth.ts';
export {
  type ChartState,
  type ClientOptions,
  clientFor,
  DEFAULT_RETRY,
  nextLink,
  RegistryClient,
  RegistryError,
  type RegistryErrorReason,
  type RetryPolicy,
} from './client.ts';
export {
  chartLayer,
  type Descriptor,
  isDigest,
  MANIFEST_ACCEPT,
  type Manifest,
  MEDIA,
  parseManifest,
  provenanceLayer,
} from './media.ts';
export {
  chartRepository,
  type ImageRef,
  isLoopback,
  ociTag,
  parseImageRef,
  parseRegistryUrl,
  type RegistryRef,
} from './reference.ts';
