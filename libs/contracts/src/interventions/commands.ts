/** Commands served by the interventions service. */
export const INTERVENTIONS_COMMANDS = {
  health: 'interventions.v1.health',
} as const;
