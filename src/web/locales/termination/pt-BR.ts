import type { TerminationCatalog } from "./en";

/** Encerramento da relação de administrador pelo cliente (R9), português do Brasil. */
export const terminationPtBR: TerminationCatalog = {
  "page.title": "Relação de administrador com {partner}",
  "page.heading": "Relação de administrador com {partner}",
  "page.intro":
    "{partner} pode administrar o locatário de {customer} com as funções abaixo até {date}. Um Administrador Global da sua organização pode encerrar esta relação de administrador a qualquer momento.",
  "page.what":
    "Encerrá-la remove imediatamente o acesso de administrador do parceiro ao seu locatário, inclusive o acesso concedido aos grupos de segurança do parceiro. Não é possível desfazer: o parceiro teria de enviar uma nova solicitação.",
  "details.heading": "A relação de administrador",
  "details.partner": "Parceiro",
  "details.roles": "Funções",
  "details.ends": "Termina em",
  "details.autoExtend": "Extensão automática",
  "details.autoExtendOn": "Ativada (180 dias por vez)",
  "details.autoExtendOff": "Desativada",
  "signin.heading": "Entrar",
  "signin.intro": "Entre como Administrador Global da sua organização.",
  "signin.devNote": "Entrada de desenvolvimento: informe o locatário em nome do qual você atua.",
  "signin.tenantId": "ID do locatário",
  "signin.email": "E-mail (opcional)",
  "signin.globalAdmin": "Sou Administrador Global deste locatário",
  "signin.submit": "Entrar",
  "signin.microsoft": "Entrar com a Microsoft",
  "signin.signedInAs": "Conectado como {who}.",
  "terminate.heading": "Encerrar a relação de administrador",
  "terminate.signInFirst": "Entre primeiro para encerrá-la.",
  "terminate.submit": "Encerrar a relação de administrador agora",
  "terminated.title": "A relação de administrador foi encerrada",
  "terminated.body":
    "{partner} não tem mais acesso de administrador ao seu locatário e foi avisado por e-mail.",
  "unavailable.title": "Este link não está disponível",
  "unavailable.body":
    "O link não é válido ou a relação de administrador já foi encerrada. Nada foi alterado.",
  "error.title": "Esta conta não pode encerrar a relação de administrador",
  "error.body":
    "Entre como Administrador Global da organização à qual a relação de administrador pertence e tente novamente.",
  "error.back": "Voltar à relação de administrador",
  "error.code": "Erro {status}",
  "email.subject": "A relação de administrador com {partner} está ativa",
  "email.greeting": "Olá,",
  "email.intro":
    "{customer} aceitou a relação de administrador solicitada por {partner}. Ela está ativa: {partner} pode administrar o seu locatário com estas funções até {date}.",
  "email.terminate":
    "Um Administrador Global da sua organização pode encerrar esta relação de administrador a qualquer momento, sem pedir ao parceiro, nesta página:",
  "email.cta": "Ver ou encerrar a relação de administrador",
  "email.keep":
    "Guarde este e-mail: o link dele é o meio de encerrar a relação de administrador por conta própria.",
};
