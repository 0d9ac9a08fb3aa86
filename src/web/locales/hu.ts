import type { Catalog } from "./catalog";

/**
 * Hungarian, following Microsoft's hu terms (bérlő, szerepkör, globális rendszergazda). Names are
 * set off with a colon or parentheses instead of taking suffixes or an a/az article, which would
 * depend on how each name is pronounced.
 */
export const hu: Catalog = {
  "page.invite.title": "Kapcsolatkérés – {partner}",
  "page.invite.heading": "Együttműködési kérés: {partner}",
  "page.invite.intro":
    "A partner ({partner}) arra kéri az Ön szervezetét ({customer}, {domain}), hogy hagyja jóvá az alább leírtakat. Semmi sem változik, amíg a szervezet egyik globális rendszergazdája el nem fogadja.",
  "page.details.heading": "A kérés tartalma",
  "page.details.partner": "Partner",
  "page.details.reseller": "Közvetett viszonteladó",
  "page.details.resellerNote":
    "Közvetett szolgáltató: {partner}. Viszonteladó, amely rajta keresztül dolgozik Önnel: {reseller}.",
  "page.details.organization": "Az Ön szervezete",
  "page.details.request": "Kérés",
  "page.details.expires": "Lejárat",
  "page.details.partnerTenant": "A partner bérlőazonosítója",
  "page.details.partnerContact": "A partner kapcsolattartója",
  "page.details.decided": "Döntés időpontja",
  "signin.wrongTenant":
    "A(z) {tenantId} bérlővel jelentkezett be, de ezt a meghívást a(z) {invited} bérlőnek küldték. Az elfogadást ezzel a fiókkal a rendszer elutasítja: jelentkezzen be a meghívott szervezet egyik fiókjával.",
  "decided.accepted.body": "Ezt a kérést (küldő: {partner}) elfogadták ekkor: {date}. Nincs további teendő.",
  "decided.declined.body":
    "Ezt a kérést (küldő: {partner}) elutasították ekkor: {date}. Semmilyen jogosultságot nem adtak meg.",
  "punct.colon": ": ",
  "punct.listSeparator": ", ",
  "punct.withDetail": "{main} ({detail})",
  "kind.reseller": "Viszonteladói kapcsolat",
  "kind.admin": "Rendszergazdai jogosultságok",
  "kind.reseller+admin": "Viszonteladói kapcsolat és rendszergazdai jogosultságok",
  "reseller.heading": "Viszonteladói kapcsolat",
  "reseller.body":
    "A partner ({partner}) Microsoft-felhőelőfizetéseket értékesíthet az Ön szervezetének, és az általa értékesítettek nyilvántartott partnere lesz. A meglévő előfizetések, azok feltételei és a többi partnere változatlanok maradnak.",
  "admin.heading": "Rendszergazdai jogosultságok",
  "admin.body":
    "A partner ({partner}) munkatársai korlátozott ideig kezelhetik az Ön szervezetének Microsoft-felhőbeli bérlőjét az alábbi szerepkörökkel.",
  "admin.roles": "Szerepkörök",
  "admin.duration": "Időtartam",
  "admin.days": { one: "{count} nap", other: "{count} nap" },
  "admin.autoExtend": "Automatikus meghosszabbítás",
  "admin.autoExtendOn":
    "Be – a befejezés napján 180 nappal meghosszabbodik, hacsak Ön vagy a partner előbb meg nem szünteti",
  "admin.autoExtendOff": "Ki – a hozzáférés az időtartam végén automatikusan megszűnik",
  "admin.unknownRole": "Címtárszerepkör (azonosító: {id}).",
  "signin.heading": "Jelentkezzen be a válaszadáshoz",
  "signin.headingSignedIn": "Az Ön fiókja",
  "signin.explain":
    "Ezt a kérést csak a következő szervezet globális rendszergazdája fogadhatja el vagy utasíthatja el: {customer}.",
  "signin.devNote":
    "Fejlesztői bejelentkezés: jelszót nem ellenőrzünk. Adja meg annak a szervezetnek a bérlőazonosítóját, amelynek nevében eljár.",
  "signin.tenantId": "Bérlőazonosító",
  "signin.email": "E-mail-cím",
  "signin.globalAdmin": "A szervezet globális rendszergazdája vagyok",
  "signin.submit": "Bejelentkezés",
  "signin.microsoft": "Bejelentkezés Microsoft-fiókkal",
  "signin.signedInAs": "Bejelentkezve: {who}.",
  "signin.tenant": "bérlő: {tenantId}",
  "signin.notGlobalAdmin":
    "Ez a fiók nem globális rendszergazda, ezért az elfogadást a rendszer elutasítja. Jelentkezzen be egy globális rendszergazdai fiókkal.",
  "signin.otherAccount": "Másik fiók használata",
  "decision.heading": "Az Ön döntése",
  "decision.accept": "Elfogadás",
  "decision.decline": "Elutasítás",
  "decision.signInFirst": "Az elfogadáshoz vagy az elutasításhoz előbb jelentkezzen be.",
  "decision.acceptNote": "Az elfogadással megadja a fent leírtakat.",
  "page.unexpected":
    "Ha nem számított erre a kérésre, elutasíthatja, vagy egyszerűen figyelmen kívül hagyhatja: magától lejár.",
  "unavailable.title": "Ez a hivatkozás nem érhető el",
  "unavailable.body":
    "A meghívó hivatkozása érvénytelen, már felhasználták, vagy lejárt. A szervezetében semmi sem változott. Ha továbbra is együtt szeretne működni a partnerrel, kérjen tőle új meghívót.",
  "accepted.title": "Kérés elfogadva",
  "accepted.body":
    "Elfogadta a kérést (küldő: {partner}). A kérés mostantól érvényes, és a partnert értesítettük. Ezt a lapot bezárhatja.",
  "declined.title": "Kérés elutasítva",
  "declined.body":
    "Elutasította a kérést (küldő: {partner}). Semmilyen jogosultságot nem adott meg, és a partnert értesítettük. Ezt a lapot bezárhatja.",
  "continue.title": "Bejelentkezve",
  "continue.link": "Tovább a meghívóhoz",
  "error.notGlobalAdmin.title": "Globális rendszergazda szükséges",
  "error.notGlobalAdmin.body":
    "A fiók, amellyel bejelentkezett, nem globális rendszergazdája a meghívott szervezetnek. Jelentkezzen be egy globális rendszergazdai fiókkal, és próbálja újra.",
  "error.wrongTenant.title": "Ez a meghívó egy másik szervezetnek szól",
  "error.wrongTenant.body":
    "Ezt a meghívót egy másik szervezetnek küldték. Jelentkezzen be a meghívót kapott szervezet egyik fiókjával.",
  "error.partnerTenant.title": "Partnerszervezet nem fogadhatja el",
  "error.partnerTenant.body":
    "A szervezet, amellyel bejelentkezett, maga is felhőszolgáltatói (CSP-) partner. CSP-partner nem értékesíthet tovább másik CSP-partnernek, ezért ezzel a szervezettel a meghívó nem fogadható el.",
  "error.otherCloud.title": "Eltérő Microsoft-felhő",
  "error.otherCloud.body":
    "Az Ön szervezete más Microsoft-felhőben van, mint a partner. Kapcsolat csak ugyanazon a felhőn belül jöhet létre.",
  "error.signInRequired.title": "Bejelentkezés szükséges",
  "error.signInRequired.body":
    "Az elfogadás vagy az elutasítás előtt jelentkezzen be a meghívott szervezet globális rendszergazdájaként.",
  "error.back": "Vissza a meghívóhoz",
  "error.code": "Hibakód: {status}",
  "email.invite.subject": "Kapcsolatkérés érkezett: {partner}",
  "email.greeting": "Tisztelt Címzett!",
  "email.invite.intro":
    "A partner ({partner}) arra kéri a következő szervezetet, hogy hagyja jóvá az alábbiakat: {customer} ({domain}).",
  "email.adminLine": "{roles}; időtartam: {duration}",
  "email.cta": "A kérés megtekintése",
  "email.linkText":
    "A kérés megtekintéséhez, elfogadásához vagy elutasításához nyissa meg ezt a hivatkozást:",
  "email.expires": "A meghívó lejárata: {date}",
  "email.globalAdminOnly":
    "Csak a szervezet egyik globális rendszergazdája fogadhatja el. A hivatkozás megnyitása önmagában semmit sem változtat.",
  "email.ignore":
    "Ha nem számított erre az e-mailre, nyugodtan figyelmen kívül hagyhatja: semmi sem változik, amíg a szervezete el nem fogadja.",
  "email.reminder.subject": {
    one: "Emlékeztető: a kérés {count} nap múlva lejár ({partner})",
    other: "Emlékeztető: a kérés {count} nap múlva lejár ({partner})",
  },
  "email.reminder.intro":
    "A partner ({partner}) még mindig választ vár a következő szervezetnek küldött kérésére: {customer} ({domain}).",
  "email.reminder.expires": {
    one: "Lejárat: {date} ({count} nap múlva).",
    other: "Lejárat: {date} ({count} nap múlva).",
  },
};
