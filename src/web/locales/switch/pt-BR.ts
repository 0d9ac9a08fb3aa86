import type { SwitchCatalog } from "./en";

/** Transferência de parceiro (R19), português do Brasil. */
export const switchPtBR: SwitchCatalog = {
  "page.title": "Transferência de assinatura para {partner}",
  "page.heading": "{partner} pede para se tornar o parceiro de uma assinatura do Azure",
  "intro.customer":
    "{partner} pede que a assinatura do Azure {offer} ({subscription}) de {customer} seja vendida e faturada por {partner} em vez do parceiro atual.",
  "intro.currentPartner":
    "{partner} pede para assumir a assinatura do Azure {offer} ({subscription}) do cliente {customer}, da qual você é hoje o parceiro responsável.",
  "page.what":
    "Se o Administrador Global do cliente e o parceiro atual aprovarem, o parceiro responsável passa a ser {partner}. A assinatura, seus recursos e os dados permanecem como estão; muda apenas quem vende e fatura. Se qualquer um recusar, nada muda.",
  "details.heading": "A solicitação",
  "details.newPartner": "Parceiro solicitante",
  "details.subscription": "Assinatura",
  "details.expires": "Expira em",
  "signin.heading": "Entre para responder",
  "signin.customer": "Entre como Administrador Global da organização do cliente.",
  "signin.currentPartner": "Entre com uma conta da organização do parceiro atual.",
  "signin.devNote": "Entrada de desenvolvimento: informe o locatário em nome do qual você age.",
  "signin.tenantId": "ID do locatário",
  "signin.email": "E-mail (opcional)",
  "signin.globalAdmin": "Sou Administrador Global deste locatário",
  "signin.submit": "Entrar",
  "signin.microsoft": "Entrar com a Microsoft",
  "signin.signedInAs": "Conectado como {who}.",
  "answer.heading": "Sua resposta",
  "answer.signInFirst": "Entre primeiro para aprovar ou recusar.",
  "answer.approve": "Aprovar a transferência",
  "answer.decline": "Recusar",
  "approved.title": "Você aprovou a transferência",
  "approved.body":
    "Obrigado. Quando as duas partes aprovarem, {partner} se torna o parceiro responsável e todos serão avisados por e-mail.",
  "declined.title": "Você recusou a transferência",
  "declined.body": "Nada muda. {partner} será avisado por e-mail.",
  "unavailable.title": "Este link não está disponível",
  "unavailable.body": "O link não é válido, já foi usado ou a solicitação foi encerrada. Nada mudou.",
  "error.title": "Esta conta não pode responder à solicitação",
  "error.body":
    "Entre com uma conta que possa responder a esta solicitação, conforme descrito na página, e tente novamente.",
  "error.back": "Voltar à solicitação",
  "error.code": "Erro {status}",
  "email.greeting": "Olá,",
  "email.request.subject": "{partner} pede para assumir a assinatura do Azure {offer}",
  "email.reminder.subject": "Lembrete: {partner} aguarda sua resposta sobre {offer}",
  "email.expires": "A solicitação expira em {date}, daqui a {days} dias.",
  "email.open": "Abrir a solicitação",
  "email.ignore": "Se você não esperava este e-mail, ignore-o: nada muda sem a sua aprovação.",
  "outcome.completed.subject": "A assinatura do Azure {offer} passou para {partner}",
  "outcome.completed.body":
    "As duas partes aprovaram: {partner} agora é o parceiro responsável pela assinatura do Azure {offer} ({subscription}) de {customer}.",
  "outcome.declined.subject": "A transferência de {offer} foi recusada",
  "outcome.declined.body":
    "A transferência da assinatura do Azure {offer} ({subscription}) de {customer} para {partner} foi recusada. Nada mudou.",
  "outcome.expired.subject": "A transferência de {offer} expirou",
  "outcome.expired.body":
    "A transferência da assinatura do Azure {offer} ({subscription}) de {customer} para {partner} não foi aprovada em 30 dias e expirou. Nada mudou.",
  "outcome.cancelled.subject": "A transferência de {offer} foi cancelada",
  "outcome.cancelled.body":
    "{partner} cancelou o pedido para assumir a assinatura do Azure {offer} ({subscription}) de {customer}. Nada mudou.",
};
