import type { Catalog } from "./catalog";

/** Brazilian Portuguese, following Microsoft's pt-BR terms (locatário, funções, Administrador Global). */
export const ptBR: Catalog = {
  "page.invite.title": "Solicitação de {partner}",
  "page.invite.heading": "{partner} quer trabalhar com {customer}",
  "page.invite.intro":
    "{partner} convidou sua organização, {customer} ({domain}), a aprovar o que está descrito abaixo. Nada muda até que um Administrador Global da sua organização aceite.",
  "page.details.heading": "O que está sendo solicitado",
  "page.details.partner": "Parceiro",
  "page.details.reseller": "Revendedor indireto",
  "page.details.resellerNote":
    "{partner} é o provedor indireto; {reseller} é o revendedor que atende você por meio dele.",
  "page.details.organization": "Sua organização",
  "page.details.request": "Solicitação",
  "page.details.expires": "Expira em",
  "page.details.partnerTenant": "ID do locatário do parceiro",
  "page.details.partnerContact": "Contato do parceiro",
  "page.details.decided": "Decidido em",
  "signin.wrongTenant":
    "Você entrou com o locatário {tenantId}, mas este convite foi enviado ao locatário {invited}. A aceitação com esta conta será recusada: entre com uma conta da organização convidada.",
  "decided.accepted.body":
    "Esta solicitação de {partner} foi aceita em {date}. Não é preciso fazer mais nada.",
  "decided.declined.body": "Esta solicitação de {partner} foi recusada em {date}. Nada foi concedido.",
  "punct.colon": ": ",
  "punct.listSeparator": ", ",
  "punct.withDetail": "{main} ({detail})",
  "kind.reseller": "Relação de revendedor",
  "kind.admin": "Privilégios administrativos",
  "kind.reseller+admin": "Relação de revendedor e privilégios administrativos",
  "reseller.heading": "Relação de revendedor",
  "reseller.body":
    "{partner} poderá vender assinaturas de nuvem da Microsoft para sua organização e passará a ser o parceiro de registro do que vender. Suas assinaturas atuais, os termos delas e seus outros parceiros continuam como estão.",
  "admin.heading": "Privilégios administrativos",
  "admin.body":
    "Pessoas de {partner} poderão gerenciar o locatário de nuvem da Microsoft da sua organização com as funções abaixo, por tempo limitado.",
  "admin.roles": "Funções",
  "admin.duration": "Duração",
  "admin.days": { one: "{count} dia", other: "{count} dias" },
  "admin.autoExtend": "Extensão automática",
  "admin.autoExtendOn":
    "Ativada — estendida por mais 180 dias na data de término, a menos que você ou o parceiro a encerrem antes",
  "admin.autoExtendOff": "Desativada — o acesso termina automaticamente ao fim da duração",
  "admin.unknownRole": "Uma função do diretório (ID {id}).",
  "signin.heading": "Entre para responder",
  "signin.headingSignedIn": "Sua conta",
  "signin.explain": "Somente um Administrador Global de {customer} pode aceitar ou recusar esta solicitação.",
  "signin.devNote":
    "Entrada de desenvolvimento: nenhuma senha é verificada. Informe a ID do locatário da organização que você representa.",
  "signin.tenantId": "ID do locatário",
  "signin.email": "Endereço de email",
  "signin.globalAdmin": "Sou Administrador Global desta organização",
  "signin.submit": "Entrar",
  "signin.microsoft": "Entrar com a Microsoft",
  "signin.signedInAs": "Conectado como {who}.",
  "signin.tenant": "locatário {tenantId}",
  "signin.notGlobalAdmin":
    "Esta conta não é de Administrador Global, portanto a aceitação será recusada. Entre com uma conta de Administrador Global.",
  "signin.otherAccount": "Usar outra conta",
  "decision.heading": "Sua decisão",
  "decision.accept": "Aceitar",
  "decision.decline": "Recusar",
  "decision.signInFirst": "Entre primeiro para aceitar ou recusar.",
  "decision.acceptNote": "Ao aceitar, você concede o que está descrito acima.",
  "page.unexpected":
    "Se você não esperava esta solicitação, pode recusá-la ou simplesmente ignorá-la: ela expira sozinha.",
  "unavailable.title": "Este link não está disponível",
  "unavailable.body":
    "O link do convite não é válido, já foi usado ou expirou. Nada mudou para sua organização. Se ainda quiser trabalhar com o parceiro, peça que ele envie um novo convite.",
  "accepted.title": "Solicitação aceita",
  "accepted.body":
    "Você aceitou a solicitação de {partner}. Ela já está em vigor e o parceiro foi notificado. Você pode fechar esta página.",
  "declined.title": "Solicitação recusada",
  "declined.body":
    "Você recusou a solicitação de {partner}. Nada foi concedido e o parceiro foi notificado. Você pode fechar esta página.",
  "continue.title": "Conectado",
  "continue.link": "Continuar para o convite",
  "error.notGlobalAdmin.title": "É necessário um Administrador Global",
  "error.notGlobalAdmin.body":
    "A conta com que você entrou não é de Administrador Global da organização convidada. Entre com uma conta de Administrador Global e tente novamente.",
  "error.wrongTenant.title": "Este convite é para outra organização",
  "error.wrongTenant.body":
    "Este convite foi enviado para outra organização. Entre com uma conta da organização que recebeu o convite.",
  "error.partnerTenant.title": "Uma organização parceira não pode aceitar este convite",
  "error.partnerTenant.body":
    "A organização com que você entrou é, ela mesma, um parceiro do programa Provedor de Soluções na Nuvem (CSP). Um parceiro CSP não pode revender para outro parceiro CSP, por isso este convite não pode ser aceito com ela.",
  "error.otherCloud.title": "Nuvem da Microsoft diferente",
  "error.otherCloud.body":
    "Sua organização está em uma nuvem da Microsoft diferente da do parceiro. Uma relação só é possível dentro da mesma nuvem.",
  "error.signInRequired.title": "É necessário entrar",
  "error.signInRequired.body":
    "Entre como Administrador Global da organização convidada antes de aceitar ou recusar.",
  "error.back": "Voltar ao convite",
  "error.code": "Erro {status}",
  "email.invite.subject": "{partner} solicita uma relação com {customer}",
  "email.greeting": "Olá,",
  "email.invite.intro": "{partner} convidou {customer} ({domain}) a aprovar o seguinte:",
  "email.adminLine": "{roles}, por {duration}",
  "email.cta": "Ver a solicitação",
  "email.linkText": "Abra este link para ver a solicitação e aceitá-la ou recusá-la:",
  "email.expires": "O convite expira em {date}.",
  "email.globalAdminOnly":
    "Somente um Administrador Global da sua organização pode aceitá-lo. Abrir o link, por si só, não muda nada.",
  "email.ignore":
    "Se você não esperava este email, pode ignorá-lo com segurança: nada muda a menos que sua organização aceite.",
  "email.reminder.subject": {
    one: "Lembrete: a solicitação de {partner} expira em {count} dia",
    other: "Lembrete: a solicitação de {partner} expira em {count} dias",
  },
  "email.reminder.intro":
    "{partner} ainda aguarda uma resposta à solicitação enviada a {customer} ({domain}):",
  "email.reminder.expires": {
    one: "Ela expira em {count} dia, em {date}.",
    other: "Ela expira em {count} dias, em {date}.",
  },
};
