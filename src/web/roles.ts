/**
 * What an admin role lets the partner do, in the customer's language. The customer decides on
 * this page whether to hand over those rights, so a bare role name is not enough: each known role
 * gets a one-line description of what it allows. Ids are Entra role template ids.
 */
import { adminRoleDisplayName } from "../domain/admin-roles";
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
  "966707d0-3269-4727-9be2-8c3a10f19b9d": {
    en: {
      name: "Password Administrator",
      allows: "Resets passwords of non-administrators and of Password Administrators.",
    },
    "pt-BR": {
      name: "Administrador de Senhas",
      allows: "Redefine senhas de usuários que não são administradores e de Administradores de Senhas.",
    },
    "zh-CN": { name: "密码管理员", allows: "为非管理员和密码管理员重置密码。" },
    hu: {
      name: "Jelszó-rendszergazda",
      allows: "Visszaállítja a nem rendszergazdák és a jelszó-rendszergazdák jelszavát.",
    },
  },
  "fdd7a751-b60b-444a-984c-02652fe8fa1c": {
    en: { name: "Groups Administrator", allows: "Creates and manages groups and their settings." },
    "pt-BR": { name: "Administrador de Grupos", allows: "Cria e gerencia grupos e as configurações deles." },
    "zh-CN": { name: "组管理员", allows: "创建和管理组及其设置。" },
    hu: { name: "Csoportrendszergazda", allows: "Csoportokat hoz létre és kezel, a beállításaikkal együtt." },
  },
  "9360feb5-f418-4baa-8175-e2a00bac4301": {
    en: {
      name: "Directory Writers",
      allows: "Reads and writes basic directory information; meant for applications.",
    },
    "pt-BR": {
      name: "Gravadores de Diretório",
      allows: "Lê e grava informações básicas do diretório; destinada a aplicativos.",
    },
    "zh-CN": { name: "目录写入者", allows: "读取和写入基本目录信息；供应用程序使用。" },
    hu: {
      name: "Címtárírók",
      allows: "Alapvető címtáradatokat olvas és ír; alkalmazásoknak szánt szerepkör.",
    },
  },
  "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": {
    en: {
      name: "Application Administrator",
      allows: "Creates and manages app registrations and enterprise apps, including their credentials.",
    },
    "pt-BR": {
      name: "Administrador de Aplicativos",
      allows:
        "Cria e gerencia registros de aplicativos e aplicativos empresariais, inclusive as credenciais deles.",
    },
    "zh-CN": { name: "应用程序管理员", allows: "创建和管理应用注册和企业应用，包括其凭据。" },
    hu: {
      name: "Alkalmazás-rendszergazda",
      allows:
        "Alkalmazásregisztrációkat és vállalati alkalmazásokat hoz létre és kezel, a hitelesítő adataikat is beleértve.",
    },
  },
  "158c047a-c907-4556-b7ef-446551a6b5f7": {
    en: {
      name: "Cloud Application Administrator",
      allows: "Creates and manages app registrations and enterprise apps, except Application Proxy.",
    },
    "pt-BR": {
      name: "Administrador de Aplicativos de Nuvem",
      allows:
        "Cria e gerencia registros de aplicativos e aplicativos empresariais, exceto o Proxy de Aplicativo.",
    },
    "zh-CN": { name: "云应用程序管理员", allows: "创建和管理应用注册和企业应用（应用程序代理除外）。" },
    hu: {
      name: "Felhőalkalmazás-rendszergazda",
      allows:
        "Alkalmazásregisztrációkat és vállalati alkalmazásokat hoz létre és kezel, az alkalmazásproxy kivételével.",
    },
  },
  "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": {
    en: {
      name: "Privileged Authentication Administrator",
      allows: "Sets and resets the sign-in methods of any user, administrators included.",
    },
    "pt-BR": {
      name: "Administrador de Autenticação Privilegiada",
      allows: "Define e redefine os métodos de entrada de qualquer usuário, inclusive administradores.",
    },
    "zh-CN": { name: "特权身份验证管理员", allows: "为任何用户（包括管理员）设置和重置登录方法。" },
    hu: {
      name: "Kiemelt hitelesítési rendszergazda",
      allows:
        "Bármely felhasználó – a rendszergazdákat is beleértve – bejelentkezési módszereit beállítja és visszaállítja.",
    },
  },
  "c4e39bd9-1100-46d3-8c65-fb160da0071f": {
    en: {
      name: "Authentication Administrator",
      allows: "Sets and resets the sign-in methods of users who are not administrators.",
    },
    "pt-BR": {
      name: "Administrador de Autenticação",
      allows: "Define e redefine os métodos de entrada de usuários que não são administradores.",
    },
    "zh-CN": { name: "身份验证管理员", allows: "为非管理员用户设置和重置登录方法。" },
    hu: {
      name: "Hitelesítési rendszergazda",
      allows: "A nem rendszergazda felhasználók bejelentkezési módszereit beállítja és visszaállítja.",
    },
  },
  "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": {
    en: { name: "Conditional Access Administrator", allows: "Manages Conditional Access policies." },
    "pt-BR": {
      name: "Administrador de Acesso Condicional",
      allows: "Gerencia as políticas de Acesso Condicional.",
    },
    "zh-CN": { name: "条件访问管理员", allows: "管理条件访问策略。" },
    hu: {
      name: "Feltételes hozzáférési rendszergazda",
      allows: "A feltételes hozzáférési szabályzatokat kezeli.",
    },
  },
  "17315797-102d-40b4-93e0-432062caca18": {
    en: { name: "Compliance Administrator", allows: "Manages compliance settings and reports." },
    "pt-BR": {
      name: "Administrador de Conformidade",
      allows: "Gerencia configurações e relatórios de conformidade.",
    },
    "zh-CN": { name: "合规性管理员", allows: "管理合规性设置和报告。" },
    hu: { name: "Megfelelőségi rendszergazda", allows: "Megfelelőségi beállításokat és jelentéseket kezel." },
  },
  "e6d1a23a-da11-4be4-9570-befc86d067a7": {
    en: { name: "Compliance Data Administrator", allows: "Creates and manages compliance content." },
    "pt-BR": {
      name: "Administrador de Dados de Conformidade",
      allows: "Cria e gerencia conteúdo de conformidade.",
    },
    "zh-CN": { name: "合规性数据管理员", allows: "创建和管理合规性内容。" },
    hu: {
      name: "Megfelelőségi adatok rendszergazdája",
      allows: "Megfelelőségi tartalmakat hoz létre és kezel.",
    },
  },
  "44367163-eba1-44c3-98af-f5787879f96a": {
    en: { name: "Dynamics 365 Administrator", allows: "Manages Dynamics 365." },
    "pt-BR": { name: "Administrador do Dynamics 365", allows: "Gerencia o Dynamics 365." },
    "zh-CN": { name: "Dynamics 365 管理员", allows: "管理 Dynamics 365。" },
    hu: { name: "Dynamics 365-rendszergazda", allows: "A Dynamics 365 szolgáltatást kezeli." },
  },
  "11648597-926c-4cf3-9c36-bcebb0ba8dcc": {
    en: {
      name: "Power Platform Administrator",
      allows: "Manages Power Platform environments, Power Apps and Power Automate.",
    },
    "pt-BR": {
      name: "Administrador do Power Platform",
      allows: "Gerencia ambientes do Power Platform, o Power Apps e o Power Automate.",
    },
    "zh-CN": {
      name: "Power Platform 管理员",
      allows: "管理 Power Platform 环境、Power Apps 和 Power Automate。",
    },
    hu: {
      name: "Power Platform-rendszergazda",
      allows: "Power Platform-környezeteket, valamint a Power Apps és a Power Automate szolgáltatást kezeli.",
    },
  },
  "a9ea8996-122f-4c74-9520-8edcd192826c": {
    en: { name: "Fabric Administrator", allows: "Manages Microsoft Fabric and Power BI." },
    "pt-BR": { name: "Administrador do Fabric", allows: "Gerencia o Microsoft Fabric e o Power BI." },
    "zh-CN": { name: "Fabric 管理员", allows: "管理 Microsoft Fabric 和 Power BI。" },
    hu: { name: "Fabric-rendszergazda", allows: "A Microsoft Fabric és a Power BI szolgáltatást kezeli." },
  },
  "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f": {
    en: { name: "Printer Administrator", allows: "Manages printers and printer connectors." },
    "pt-BR": {
      name: "Administrador de Impressoras",
      allows: "Gerencia impressoras e conectores de impressora.",
    },
    "zh-CN": { name: "打印机管理员", allows: "管理打印机和打印机连接器。" },
    hu: { name: "Nyomtató-rendszergazda", allows: "Nyomtatókat és nyomtatócsatlakozókat kezel." },
  },
  "e3973bdf-4987-49ae-837a-ba8e231c7286": {
    en: {
      name: "Azure DevOps Administrator",
      allows: "Manages Azure DevOps organization policies and settings.",
    },
    "pt-BR": {
      name: "Administrador do Azure DevOps",
      allows: "Gerencia políticas e configurações de organizações do Azure DevOps.",
    },
    "zh-CN": { name: "Azure DevOps 管理员", allows: "管理 Azure DevOps 组织策略和设置。" },
    hu: {
      name: "Azure DevOps-rendszergazda",
      allows: "Az Azure DevOps-szervezetek szabályzatait és beállításait kezeli.",
    },
  },
  "892c5842-a9a6-463a-8041-72aa08ca3cf6": {
    en: { name: "Cloud App Security Administrator", allows: "Manages Microsoft Defender for Cloud Apps." },
    "pt-BR": {
      name: "Administrador de Segurança de Aplicativos de Nuvem",
      allows: "Gerencia o Microsoft Defender para Aplicativos de Nuvem.",
    },
    "zh-CN": { name: "云应用安全管理员", allows: "管理 Microsoft Defender for Cloud Apps。" },
    hu: {
      name: "Felhőalkalmazás-biztonsági rendszergazda",
      allows: "A Microsoft Defender for Cloud Apps szolgáltatást kezeli.",
    },
  },
  "7698a772-787b-4ac8-901f-60d6b08affd2": {
    en: {
      name: "Cloud Device Administrator",
      allows: "Enables, disables and deletes devices in the directory.",
    },
    "pt-BR": {
      name: "Administrador de Dispositivos de Nuvem",
      allows: "Habilita, desabilita e exclui dispositivos no diretório.",
    },
    "zh-CN": { name: "云设备管理员", allows: "在目录中启用、禁用和删除设备。" },
    hu: {
      name: "Felhőbeli eszközök rendszergazdája",
      allows: "Eszközöket engedélyez, tilt le és töröl a címtárban.",
    },
  },
  "75941009-915a-4869-abe7-691bff18279e": {
    en: { name: "Skype for Business Administrator", allows: "Manages Skype for Business settings." },
    "pt-BR": {
      name: "Administrador do Skype for Business",
      allows: "Gerencia as configurações do Skype for Business.",
    },
    "zh-CN": { name: "Skype for Business 管理员", allows: "管理 Skype for Business 设置。" },
    hu: {
      name: "Skype Vállalati verzió-rendszergazda",
      allows: "A Skype Vállalati verzió beállításait kezeli.",
    },
  },
  "baf37b3a-610e-45da-9e62-d9d1e5e8914b": {
    en: {
      name: "Teams Communications Administrator",
      allows: "Manages calling and meetings in Microsoft Teams.",
    },
    "pt-BR": {
      name: "Administrador de Comunicações do Teams",
      allows: "Gerencia chamadas e reuniões no Microsoft Teams.",
    },
    "zh-CN": { name: "Teams 通信管理员", allows: "管理 Microsoft Teams 中的通话和会议。" },
    hu: {
      name: "Teams kommunikációs rendszergazda",
      allows: "A Microsoft Teams hívásait és értekezleteit kezeli.",
    },
  },
  "38a96431-2bdf-4b4c-8b6e-5d3d8abac1a4": {
    en: { name: "Desktop Analytics Administrator", allows: "Manages desktop management tools and services." },
    "pt-BR": {
      name: "Administrador do Desktop Analytics",
      allows: "Gerencia ferramentas e serviços de gerenciamento de desktops.",
    },
    "zh-CN": { name: "桌面分析管理员", allows: "管理桌面管理工具和服务。" },
    hu: {
      name: "Asztali elemzési rendszergazda",
      allows: "Asztali felügyeleti eszközöket és szolgáltatásokat kezel.",
    },
  },
  "0526716b-113d-4c15-b2c8-68e3c22b9f80": {
    en: {
      name: "Authentication Policy Administrator",
      allows:
        "Manages the authentication methods policy, multifactor authentication settings and password protection.",
    },
    "pt-BR": {
      name: "Administrador de Política de Autenticação",
      allows:
        "Gerencia a política de métodos de autenticação, as configurações de autenticação multifator e a proteção de senha.",
    },
    "zh-CN": { name: "身份验证策略管理员", allows: "管理身份验证方法策略、多重身份验证设置和密码保护。" },
    hu: {
      name: "Hitelesítési szabályzat rendszergazdája",
      allows:
        "A hitelesítési módszerek szabályzatát, a többtényezős hitelesítés beállításait és a jelszóvédelmet kezeli.",
    },
  },
  "31392ffb-586c-42d1-9346-e59415a2cc4e": {
    en: {
      name: "Exchange Recipient Administrator",
      allows: "Creates and updates Exchange Online recipients such as mailboxes and groups.",
    },
    "pt-BR": {
      name: "Administrador de Destinatários do Exchange",
      allows: "Cria e atualiza destinatários do Exchange Online, como caixas de correio e grupos.",
    },
    "zh-CN": { name: "Exchange 收件人管理员", allows: "创建和更新 Exchange Online 收件人，例如邮箱和组。" },
    hu: {
      name: "Exchange-címzettkezelő rendszergazda",
      allows: "Exchange Online-címzetteket – például postaládákat és csoportokat – hoz létre és frissít.",
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

/**
 * Localized name and description; ids not translated here keep the caller's display name, then the
 * domain catalog's English name, then the id.
 */
export function describeRole(locale: Locale, role: RoleRef): DescribedRole {
  const id = typeof role === "string" ? role : role.id;
  const fallbackName = typeof role === "string" ? undefined : role.displayName;
  const known = ROLES[id.toLowerCase()]?.[locale];
  return {
    id,
    // A role added to the domain catalog before it is translated here still shows its English name.
    name: known?.name ?? (fallbackName?.trim() ? fallbackName : adminRoleDisplayName(id)),
    allows: known?.allows ?? format(locale, "admin.unknownRole", { id }),
    isGlobalAdministrator: id.toLowerCase() === GLOBAL_ADMINISTRATOR_ROLE_ID,
  };
}

/** The role template ids this module can describe. */
export const DESCRIBED_ROLE_IDS: readonly string[] = Object.keys(ROLES);
