import type { MigrationCatalog } from "./en";

export const migrationPtBR: MigrationCatalog = {
  greeting: "Olá,",
  "reminder.subject": "{offer} passa para {partner} em {count} dias",
  "reminder.body":
    "A assinatura {offer} ({subscriptionId}) de {customer} passa para {partner} quando o período atual terminar em {date}, daqui a {count} dias. Nada precisa ser feito, a menos que a data de término mude.",
  "completed.subject": "{offer} agora é fornecida por {partner}",
  "completed.body":
    "A assinatura {offer} ({subscriptionId}) de {customer} foi migrada: {partner} agora é o parceiro registrado.",
  footer: "Esta mensagem foi enviada pelo serviço de relacionamentos CSP do parceiro.",
};
