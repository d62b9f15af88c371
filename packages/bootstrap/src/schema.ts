/** JSON Schema (draft-07) of an inventory. Defaults are filled in by ajv (`useDefaults`). */

const level = { enum: ['privileged', 'baseline', 'restricted'] } as const;
const absPath = { type: 'string', pattern: '^/[^\\s]*$' } as const;
const dnsLabel = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' } as const;

export const inventorySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://kosmos.invalid/schemas/inventory.json',
  type: 'object',
  additionalProperties: false,
  required: ['cluster', 'snapshots', 'nodes'],
  properties: {
    cluster: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'k3sVersion', 'apiDnsName', 'clusterCidr', 'serviceCidr', 'clusterDns', 'tokenSource'],
      properties: {
        name: dnsLabel,
        k3sVersion: { type: 'string', pattern: '^v1\\.[0-9]+\\.[0-9]+\\+k3s[0-9]+$' },
        apiDnsName: { type: 'string', format: 'hostname', pattern: '\\.' },
        clusterCidr: { type: 'string', format: 'ipv4-cidr' },
        serviceCidr: { type: 'string', format: 'ipv4-cidr' },
        clusterDns: { type: 'string', format: 'ipv4' },
        tlsSan: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [] },
        tokenSource: {
          type: 'object',
          oneOf: [
            {
              additionalProperties: false,
              required: ['file'],
              properties: { file: absPath },
            },
            {
              additionalProperties: false,
              required: ['env'],
              properties: { env: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' } },
            },
          ],
        },
        disable: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: ['traefik'] },
        secretsEncryption: { type: 'boolean', default: true },
        podSecurity: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enforce: { ...level, default: 'baseline' },
            audit: { ...level, default: 'restricted' },
            warn: { ...level, default: 'restricted' },
            exemptNamespaces: { type: 'array', items: dnsLabel, uniqueItems: true, default: ['kube-system'] },
          },
        },
      },
    },
    snapshots: {
      type: 'object',
      additionalProperties: false,
      required: ['schedule', 'retention', 'backup'],
      properties: {
        schedule: { type: 'string', pattern: '^\\S+( \\S+){4}$' },
        retention: { type: 'integer', minimum: 1, maximum: 365 },
        backup: {
          type: 'object',
          additionalProperties: false,
          required: ['onCalendar', 'dir', 'keep'],
          properties: {
            onCalendar: { type: 'string', minLength: 1, pattern: '^[^\\n]+$' },
            dir: absPath,
            keep: { type: 'integer', minimum: 1, maximum: 365 },
          },
        },
      },
    },
    vip: {
      type: 'object',
      additionalProperties: false,
      required: ['address', 'prefixLength', 'vrid'],
      properties: {
        address: { type: 'string', format: 'ipv4' },
        prefixLength: { type: 'integer', minimum: 1, maximum: 32 },
        vrid: { type: 'integer', minimum: 1, maximum: 255 },
        basePriority: { type: 'integer', minimum: 1, maximum: 254, default: 150 },
        priorityStep: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        auth: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'passFile'],
          properties: { type: { const: 'PASS' }, passFile: absPath },
        },
        check: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            interval: { type: 'integer', minimum: 1, maximum: 60, default: 3 },
            timeout: { type: 'integer', minimum: 1, maximum: 60, default: 2 },
            rise: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
            fall: { type: 'integer', minimum: 1, maximum: 10, default: 2 },
          },
        },
      },
    },
    nodes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'address', 'role', 'interface', 'zone'],
        properties: {
          name: dnsLabel,
          address: { type: 'string', format: 'ipv4' },
          role: { enum: ['server', 'agent'] },
          interface: { type: 'string', pattern: '^[a-zA-Z0-9_.-]{1,15}$', not: { const: 'lo' } },
          zone: { type: 'string', pattern: '^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$' },
          vrrpPriority: { type: 'integer', minimum: 1, maximum: 254 },
          config: { type: 'object' },
        },
      },
    },
  },
} as const;
