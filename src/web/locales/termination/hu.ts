import type { TerminationCatalog } from "./en";

/** Rendszergazdai kapcsolat megszüntetése az ügyfél részéről (R9), magyar. */
export const terminationHu: TerminationCatalog = {
  "page.title": "Rendszergazdai kapcsolat: {partner}",
  "page.heading": "Rendszergazdai kapcsolat: {partner}",
  "page.intro":
    "A(z) {partner} az alábbi szerepkörökkel felügyelheti a(z) {customer} bérlőjét, eddig: {date}. A szervezet globális rendszergazdája bármikor megszüntetheti ezt a rendszergazdai kapcsolatot.",
  "page.what":
    "A megszüntetés azonnal visszavonja a partner rendszergazdai hozzáférését a bérlőhöz, a partner biztonsági csoportjainak adott hozzáférést is. Nem vonható vissza: a partnernek új kérést kellene küldenie.",
  "details.heading": "A rendszergazdai kapcsolat",
  "details.partner": "Partner",
  "details.roles": "Szerepkörök",
  "details.ends": "Vége",
  "details.autoExtend": "Automatikus meghosszabbítás",
  "details.autoExtendOn": "Be (egyszerre 180 nap)",
  "details.autoExtendOff": "Ki",
  "signin.heading": "Bejelentkezés",
  "signin.intro": "Jelentkezzen be a szervezete globális rendszergazdájaként.",
  "signin.devNote": "Fejlesztői bejelentkezés: adja meg a bérlőt, amelynek nevében eljár.",
  "signin.tenantId": "Bérlőazonosító",
  "signin.email": "E-mail-cím (nem kötelező)",
  "signin.globalAdmin": "Ennek a bérlőnek a globális rendszergazdája vagyok",
  "signin.submit": "Bejelentkezés",
  "signin.microsoft": "Bejelentkezés Microsoft-fiókkal",
  "signin.signedInAs": "Bejelentkezve mint {who}.",
  "terminate.heading": "A rendszergazdai kapcsolat megszüntetése",
  "terminate.signInFirst": "A megszüntetéshez előbb jelentkezzen be.",
  "terminate.submit": "Rendszergazdai kapcsolat megszüntetése most",
  "terminated.title": "A rendszergazdai kapcsolat megszűnt",
  "terminated.body":
    "A(z) {partner} már nem rendelkezik rendszergazdai hozzáféréssel a bérlőjéhez, és e-mailben értesült erről.",
  "unavailable.title": "Ez a hivatkozás nem érhető el",
  "unavailable.body":
    "A hivatkozás érvénytelen, vagy a rendszergazdai kapcsolat már megszűnt. Semmi sem változott.",
  "error.title": "Ezzel a fiókkal nem szüntethető meg a rendszergazdai kapcsolat",
  "error.body":
    "Jelentkezzen be annak a szervezetnek a globális rendszergazdájaként, amelyhez a rendszergazdai kapcsolat tartozik, majd próbálja újra.",
  "error.back": "Vissza a rendszergazdai kapcsolathoz",
  "error.code": "Hibakód: {status}",
  "email.subject": "A rendszergazdai kapcsolat a(z) {partner} partnerrel aktív",
  "email.greeting": "Üdvözöljük!",
  "email.intro":
    "A(z) {customer} elfogadta a(z) {partner} által kért rendszergazdai kapcsolatot. A kapcsolat aktív: a(z) {partner} ezekkel a szerepkörökkel felügyelheti a bérlőjét, eddig: {date}.",
  "email.terminate":
    "A szervezet globális rendszergazdája bármikor, a partner megkérdezése nélkül megszüntetheti ezt a rendszergazdai kapcsolatot ezen az oldalon:",
  "email.cta": "A rendszergazdai kapcsolat megtekintése vagy megszüntetése",
  "email.keep":
    "Őrizze meg ezt az e-mailt: a hivatkozásával saját maga szüntetheti meg a rendszergazdai kapcsolatot.",
};
