/** JSON bodies: `application/json` and its `+json` suffixes (e.g. `application/merge-patch+json`). */
export const JSON_CONTENT_TYPES = ['application/json', 'application/*+json'];

/** YAML bodies (Formance accepts workflow configs as `text/vnd.yaml`). */
export const YAML_CONTENT_TYPES = ['text/vnd.yaml', 'application/yaml', 'application/x-yaml', 'text/yaml'];
