/**
 * What an admin role lets the partner do, in the customer's language. The customer decides on
 * this page whether to hand over those rights, so a bare role name is not enough: each known role
 * gets a one-line description of what it allows. Ids are Entra role template ids.
 */
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Locale } from "../domain/model";
import { format } from "./i18n";

interface RoleText {
  name: string;
  allows: string;
}

type RoleEntry = Record<Locale, RoleText>;

const ROLES: Record<string, RoleEntry> = {
  [GLOBAL_ADMINISTRATOR_ROLE_ID]: {
    en: {
      name: "Global Administrator",
      allows: "Full control of everything in your tenant, including assigning every other role.",
    },
    "pt-BR": {
      name: "Administrador Global",
      allows: "Controle total de tudo no seu locatário, inclusive a atribuição de todas as outras funções.",
    },
    "zh-CN": { name: "全局管理员", allows: "完全控制租户中的所有内容，包括分配所有其他角色。" },
    hu: {
      name: "Globális rendszergazda",
      allows: "Teljes körű irányítás a bérlő felett, beleértve az összes többi szerepkör kiosztását is.",
    },
  },
  "f2ef992c-3afb-46b9-b7cf-a126ee74c451": {
    en: {
      name: "Global Reader",
      allows: "Can read everything a Global Administrator can, but change nothing.",
    },
    "pt-BR": {
      name: "Leitor Global",
      allows: "Pode ler tudo o que um Administrador Global pode ler, mas não pode alterar nada.",
    },
    "zh-CN": { name: "全局读取者", allows: "可以读取全局管理员能读取的所有内容，但不能进行任何更改。" },
    hu: {
      name: "Globális olvasó",
      allows: "Mindent láthat, amit egy globális rendszergazda, de semmit sem módosíthat.",
    },
  },
  "e8611ab8-c189-46e8-94e1-60213ab1f814": {
    en: {
      name: "Privileged Role Administrator",
      allows: "Manages role assignments, including administrators'.",
    },
    "pt-BR": {
      name: "Administrador de Função Privilegiada",
      allows: "Gerencia atribuições de funções, inclusive as de administradores.",
    },
    "zh-CN": { name: "特权角色管理员", allows: "管理角色分配，包括管理员的角色分配。" },
    hu: {
      name: "Kiemelt szerepkörű rendszergazda",
      allows: "Szerepkör-hozzárendeléseket kezel, a rendszergazdákéit is beleértve.",
    },
  },
  "fe930be7-5e62-47db-91af-98c3a49a38b1": {
    en: {
      name: "User Administrator",
      allows: "Manages users and groups, including resetting passwords of non-administrators.",
    },
    "pt-BR": {
      name: "Administrador de Usuários",
      allows: "Gerencia usuários e grupos, inclusive a redefinição de senhas de quem não é administrador.",
    },
    "zh-CN": { name: "用户管理员", allows: "管理用户和组，包括为非管理员重置密码。" },
    hu: {
      name: "Felhasználói rendszergazda",
      allows:
        "Felhasználókat és csoportokat kezel, a nem rendszergazdák jelszavának visszaállítását is beleértve.",
    },
  },
  "729827e3-9c14-49f7-bb1b-9608f156bbb8": {
    en: { name: "Helpdesk Administrator", allows: "Resets passwords of users who are not administrators." },
    "pt-BR": {
      name: "Administrador de Assistência Técnica",
      allows: "Redefine senhas de usuários que não são administradores.",
    },
    "zh-CN": { name: "支持管理员", allows: "为非管理员用户重置密码。" },
    hu: {
      name: "Ügyfélszolgálati rendszergazda",
      allows: "Visszaállítja a nem rendszergazda felhasználók jelszavát.",
    },
  },
  "29232cdf-9323-42fd-ade2-1d097af3e4de": {
    en: {
      name: "Exchange Administrator",
      allows: "Manages Exchange Online: mailboxes, mail flow and their settings.",
    },
    "pt-BR": {
      name: "Administrador do Exchange",
      allows: "Gerencia o Exchange Online: caixas de correio, fluxo de emails e as configurações deles.",
    },
    "zh-CN": { name: "Exchange 管理员", allows: "管理 Exchange Online：邮箱、邮件流及其设置。" },
    hu: {
      name: "Exchange-rendszergazda",
      allows: "Az Exchange Online-t kezeli: postaládákat, levelezési forgalmat és ezek beállításait.",
    },
  },
  "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": {
    en: { name: "SharePoint Administrator", allows: "Manages SharePoint and OneDrive sites and settings." },
    "pt-BR": {
      name: "Administrador do SharePoint",
      allows: "Gerencia sites e configurações do SharePoint e do OneDrive.",
    },
    "zh-CN": { name: "SharePoint 管理员", allows: "管理 SharePoint 和 OneDrive 的网站和设置。" },
    hu: {
      name: "SharePoint-rendszergazda",
      allows: "A SharePoint és a OneDrive webhelyeit és beállításait kezeli.",
    },
  },
  "69091246-20e8-4a56-aa4d-066075b2a7a8": {
    en: {
      name: "Teams Administrator",
      allows: "Manages Microsoft Teams: teams, meetings, calling and policies.",
    },
    "pt-BR": {
      name: "Administrador do Teams",
      allows: "Gerencia o Microsoft Teams: equipes, reuniões, chamadas e políticas.",
    },
    "zh-CN": { name: "Teams 管理员", allows: "管理 Microsoft Teams：团队、会议、通话和策略。" },
    hu: {
      name: "Teams-rendszergazda",
      allows:
        "A Microsoft Teams szolgáltatást kezeli: csapatokat, értekezleteket, hívásokat és szabályzatokat.",
    },
  },
  "194ae4cb-b126-40b2-bd5b-6091b380977d": {
    en: {
      name: "Security Administrator",
      allows: "Manages security settings, policies and threat protection.",
    },
    "pt-BR": {
      name: "Administrador de Segurança",
      allows: "Gerencia configurações de segurança, políticas e proteção contra ameaças.",
    },
    "zh-CN": { name: "安全管理员", allows: "管理安全设置、策略和威胁防护。" },
    hu: {
      name: "Biztonsági rendszergazda",
      allows: "Biztonsági beállításokat, szabályzatokat és a fenyegetések elleni védelmet kezeli.",
    },
  },
  "5d6b6bb7-de71-4623-b4af-96380a352509": {
    en: {
      name: "Security Reader",
      allows: "Reads security reports, alerts and settings without changing them.",
    },
    "pt-BR": {
      name: "Leitor de Segurança",
      allows: "Lê relatórios, alertas e configurações de segurança sem alterá-los.",
    },
    "zh-CN": { name: "安全读取者", allows: "读取安全报告、警报和设置，但不能更改。" },
    hu: {
      name: "Biztonsági olvasó",
      allows: "Biztonsági jelentéseket, riasztásokat és beállításokat olvashat, de nem módosíthatja őket.",
    },
  },
  "b0f54661-2d74-4c50-afa3-1ec803f12efe": {
    en: {
      name: "Billing Administrator",
      allows: "Makes purchases and manages subscriptions and payment details.",
    },
    "pt-BR": {
      name: "Administrador de Cobrança",
      allows: "Faz compras e gerencia assinaturas e dados de pagamento.",
    },
    "zh-CN": { name: "计费管理员", allows: "进行购买，并管理订阅和付款信息。" },
    hu: {
      name: "Számlázási rendszergazda",
      allows: "Vásárlásokat végez, előfizetéseket és fizetési adatokat kezel.",
    },
  },
  "4d6ac14f-3453-41d0-bef9-a3e0c569773a": {
    en: {
      name: "License Administrator",
      allows: "Assigns product licenses to users and groups and removes them.",
    },
    "pt-BR": {
      name: "Administrador de Licenças",
      allows: "Atribui licenças de produtos a usuários e grupos e as remove.",
    },
    "zh-CN": { name: "许可证管理员", allows: "为用户和组分配或删除产品许可证。" },
    hu: {
      name: "Licencrendszergazda",
      allows: "Terméklicenceket rendel felhasználókhoz és csoportokhoz, és eltávolítja őket.",
    },
  },
  "f023fd81-a637-4b56-95fd-791ac0226033": {
    en: {
      name: "Service Support Administrator",
      allows: "Opens and manages support requests with Microsoft and reads service health.",
    },
    "pt-BR": {
      name: "Administrador de Suporte de Serviço",
      allows: "Abre e gerencia solicitações de suporte com a Microsoft e consulta a integridade do serviço.",
    },
    "zh-CN": { name: "服务支持管理员", allows: "向 Microsoft 提交和管理支持请求，并查看服务运行状况。" },
    hu: {
      name: "Szolgáltatástámogatási rendszergazda",
      allows: "Támogatási kérelmeket nyit és kezel a Microsoftnál, és megtekinti a szolgáltatások állapotát.",
    },
  },
  "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": {
    en: { name: "Directory Readers", allows: "Reads basic directory information such as users and groups." },
    "pt-BR": {
      name: "Leitores de Diretório",
      allows: "Lê informações básicas do diretório, como usuários e grupos.",
    },
    "zh-CN": { name: "目录读取者", allows: "读取基本目录信息，例如用户和组。" },
    hu: {
      name: "Címtárolvasók",
      allows: "Alapvető címtáradatokat olvashat, például felhasználókat és csoportokat.",
    },
  },
  "3a2c62db-5318-420d-8d74-23affee5d9d5": {
    en: {
      name: "Intune Administrator",
      allows: "Manages devices, apps and their policies in Microsoft Intune.",
    },
    "pt-BR": {
      name: "Administrador do Intune",
      allows: "Gerencia dispositivos, aplicativos e as políticas deles no Microsoft Intune.",
    },
    "zh-CN": { name: "Intune 管理员", allows: "在 Microsoft Intune 中管理设备、应用及其策略。" },
    hu: {
      name: "Intune-rendszergazda",
      allows: "Eszközöket, alkalmazásokat és azok szabályzatait kezeli a Microsoft Intune-ban.",
    },
  },
};

/** A role as callers know it: a template id, or the id with the display name they store. */
export type RoleRef = string | { readonly id: string; readonly displayName?: string };

export interface DescribedRole {
  id: string;
  name: string;
  allows: string;
  /** True for Global Administrator: the page calls it out. */
  isGlobalAdministrator: boolean;
}

/** Localized name and description; unknown ids keep the caller's display name (or the id). */
export function describeRole(locale: Locale, role: RoleRef): DescribedRole {
  const id = typeof role === "string" ? role : role.id;
  const fallbackName = typeof role === "string" ? undefined : role.displayName;
  const known = ROLES[id.toLowerCase()]?.[locale];
  return {
    id,
    name: known?.name ?? (fallbackName?.trim() ? fallbackName : id),
    allows: known?.allows ?? format(locale, "admin.unknownRole", { id }),
    isGlobalAdministrator: id.toLowerCase() === GLOBAL_ADMINISTRATOR_ROLE_ID,
  };
}

/** The role template ids this module can describe. */
export const DESCRIBED_ROLE_IDS: readonly string[] = Object.keys(ROLES);
