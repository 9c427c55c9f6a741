import { z } from 'zod';

/**
 * Billing events: bus events whose `type` names a billing object. When one of them starts a
 * workflow through a Formance trigger, the triggers service also stores a Solvimon workflow-trigger
 * record of `type: EVENT` for that object (target filled from the payload).
 *
 * Every payload may carry `customer_id` and `platform_id` (the Solvimon platform the record is
 * scoped to; none = the default platform).
 */
const common = {
  customer_id: z.string().min(1).max(200).nullish(),
  platform_id: z.string().min(1).max(200).nullish(),
};
const periodSchema = z.object({
  type: z.enum(['DAY', 'WEEK', 'MONTH', 'YEAR']),
  value: z.number().int().nullable().optional(),
});

export const invoiceEventPayloadSchema = z.object({
  ...common,
  invoice_id: z.string().min(1).max(200),
  /** `invoice.overdue` only: how long it is overdue. */
  overdue: z.object({ period: periodSchema }).nullish(),
});
export const paymentEventPayloadSchema = z.object({ ...common, payment_id: z.string().min(1).max(200) });
export const pricingPlanSubscriptionEventPayloadSchema = z.object({
  ...common,
  pricing_plan_subscription_id: z.string().min(1).max(200),
  pricing_plan_schedule_id: z.string().min(1).max(200).nullish(),
  trial_end_at: z.string().nullish(),
});
export const walletEventPayloadSchema = z.object({
  ...common,
  wallet_id: z.string().min(1).max(200),
  wallet_type_id: z.string().min(1).max(200),
  customer_reference: z.string().nullish(),
  wallet_reference: z.string().nullish(),
});

export type BillingTargetType = 'INVOICE' | 'PAYMENT' | 'PRICING_PLAN_SUBSCRIPTION' | 'WALLET';

/** Each billing event type: the Solvimon target it names, the variant it stands for, its payload. */
export const BILLING_EVENT_TYPES = {
  'invoice.to_final': { target: 'INVOICE', variant: 'TO_FINAL', payload: invoiceEventPayloadSchema },
  'invoice.overdue': { target: 'INVOICE', variant: 'OVERDUE', payload: invoiceEventPayloadSchema },
  'invoice.upcoming_payment_reminder': {
    target: 'INVOICE',
    variant: 'UPCOMING_PAYMENT_REMINDER',
    payload: invoiceEventPayloadSchema,
  },
  'payment.failed': { target: 'PAYMENT', variant: 'FAILED_PAYMENT', payload: paymentEventPayloadSchema },
  'pricing_plan_subscription.free_trial_reminder': {
    target: 'PRICING_PLAN_SUBSCRIPTION',
    variant: 'FREE_TRIAL_REMINDER',
    payload: pricingPlanSubscriptionEventPayloadSchema,
  },
  'wallet.balance_low': { target: 'WALLET', variant: 'WALLET_BALANCE', payload: walletEventPayloadSchema },
} as const satisfies Record<string, { target: BillingTargetType; variant: string; payload: z.ZodType }>;
export type BillingEventType = keyof typeof BILLING_EVENT_TYPES;

export function isBillingEventType(type: string): type is BillingEventType {
  return Object.prototype.hasOwnProperty.call(BILLING_EVENT_TYPES, type);
}
