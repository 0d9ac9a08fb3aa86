import type { MigrationCatalog } from "./en";

export const migrationZhCN: MigrationCatalog = {
  greeting: "您好：",
  "reminder.subject": "{offer} 将在 {count} 天后转移至 {partner}",
  "reminder.body":
    "{customer} 的订阅 {offer}（{subscriptionId}）将在当前期限于 {date} 结束时（{count} 天后）转移至 {partner}。除非期限结束日期发生变化，否则无需执行任何操作。",
  "completed.subject": "{offer} 现由 {partner} 提供",
  "completed.body": "{customer} 的订阅 {offer}（{subscriptionId}）已转移：{partner} 现为其记录合作伙伴。",
  footer: "此邮件由合作伙伴的 CSP 关系服务发送。",
};
