import type { SwitchCatalog } from "./en";

/** 合作伙伴转移（R19），简体中文。 */
export const switchZhCN: SwitchCatalog = {
  "page.title": "将订阅转移给 {partner}",
  "page.heading": "{partner} 请求成为一个 Azure 订阅的合作伙伴",
  "intro.customer":
    "{partner} 请求由 {partner} 代替当前合作伙伴销售 {customer} 的 Azure 订阅 {offer}（{subscription}）并开具账单。",
  "intro.currentPartner":
    "{partner} 请求接管客户 {customer} 的 Azure 订阅 {offer}（{subscription}），您目前是该订阅的记录合作伙伴。",
  "page.what":
    "如果客户的全局管理员和当前合作伙伴都批准，记录合作伙伴将变更为 {partner}。订阅、其资源和数据保持不变，只有销售和计费方发生变化。任一方拒绝，则不会有任何变化。",
  "details.heading": "请求",
  "details.newPartner": "提出请求的合作伙伴",
  "details.subscription": "订阅",
  "details.expires": "过期日期",
  "signin.heading": "登录以回复",
  "signin.customer": "请以客户组织的全局管理员身份登录。",
  "signin.currentPartner": "请使用当前合作伙伴组织的帐户登录。",
  "signin.devNote": "开发环境登录：请输入您代表的租户。",
  "signin.tenantId": "租户 ID",
  "signin.email": "电子邮件（可选）",
  "signin.globalAdmin": "我是此租户的全局管理员",
  "signin.submit": "登录",
  "signin.microsoft": "使用 Microsoft 登录",
  "signin.signedInAs": "已登录为 {who}。",
  "answer.heading": "您的回复",
  "answer.signInFirst": "请先登录，然后批准或拒绝。",
  "answer.approve": "批准转移",
  "answer.decline": "拒绝",
  "approved.title": "您已批准转移",
  "approved.body": "谢谢。双方都批准后，{partner} 将成为记录合作伙伴，所有相关方都会收到电子邮件通知。",
  "declined.title": "您已拒绝转移",
  "declined.body": "不会有任何变化。{partner} 将收到电子邮件通知。",
  "unavailable.title": "此链接不可用",
  "unavailable.body": "该链接无效、已被使用，或请求已结束。没有任何变化。",
  "error.title": "此帐户无法回复该请求",
  "error.body": "请按页面说明，使用可以回复此请求的帐户登录后重试。",
  "error.back": "返回请求",
  "error.code": "错误 {status}",
  "email.greeting": "您好：",
  "email.request.subject": "{partner} 请求接管 Azure 订阅 {offer}",
  "email.reminder.subject": "提醒：{partner} 正在等待您对 {offer} 的回复",
  "email.expires": "该请求将于 {date} 过期，还剩 {days} 天。",
  "email.open": "打开请求",
  "email.ignore": "如果您没有预料到此邮件，请忽略：除非您批准，否则不会有任何变化。",
  "outcome.completed.subject": "Azure 订阅 {offer} 已转移给 {partner}",
  "outcome.completed.body":
    "双方均已批准：{partner} 现在是 {customer} 的 Azure 订阅 {offer}（{subscription}）的记录合作伙伴。",
  "outcome.declined.subject": "{offer} 的转移已被拒绝",
  "outcome.declined.body":
    "将 {customer} 的 Azure 订阅 {offer}（{subscription}）转移给 {partner} 的请求已被拒绝。没有任何变化。",
  "outcome.expired.subject": "{offer} 的转移已过期",
  "outcome.expired.body":
    "将 {customer} 的 Azure 订阅 {offer}（{subscription}）转移给 {partner} 的请求未在 30 天内获得批准，已过期。没有任何变化。",
  "outcome.cancelled.subject": "{offer} 的转移已取消",
  "outcome.cancelled.body":
    "{partner} 已取消接管 {customer} 的 Azure 订阅 {offer}（{subscription}）的请求。没有任何变化。",
};
