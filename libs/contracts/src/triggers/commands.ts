/** Commands served by the triggers service. */
export const TRIGGERS_COMMANDS = {
  health: 'triggers.v1.health',
} as const;
