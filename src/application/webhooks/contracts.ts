import { z } from "zod";
import { webhookDeliveryStatusSchema } from "./model";

/** What the delivery orchestration and its activities exchange (see src/workflows/webhook-delivery.ts). */
export const webhookDeliveryInputSchema = z
  .object({ partnerId: z.string().min(1).max(200), eventId: z.string().min(1).max(200) })
  .strict();
export type WebhookDeliveryInput = z.infer<typeof webhookDeliveryInputSchema>;

export const attemptDeliveryResultSchema = z.object({
  outcome: z.enum(["delivered", "retry", "gone"]),
});
export const giveUpDeliveryResultSchema = z.object({ status: webhookDeliveryStatusSchema });
