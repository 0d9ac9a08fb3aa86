import type { SwitchCatalog } from "./en";

/** Partnerváltás (R19), magyar. */
export const switchHu: SwitchCatalog = {
  "page.title": "Előfizetés átadása: {partner}",
  "page.heading": "A(z) {partner} egy Azure-előfizetés partnere szeretne lenni",
  "intro.customer":
    "A(z) {partner} azt kéri, hogy a(z) {customer} {offer} ({subscription}) Azure-előfizetését a jelenlegi partner helyett a(z) {partner} értékesítse és számlázza.",
  "intro.currentPartner":
    "A(z) {partner} át szeretné venni a(z) {customer} ügyfél {offer} ({subscription}) Azure-előfizetését, amelynek ma Ön a nyilvántartott partnere.",
  "page.what":
    "Ha az ügyfél globális rendszergazdája és a jelenlegi partner is jóváhagyja, a nyilvántartott partner a(z) {partner} lesz. Az előfizetés, az erőforrásai és az adatai változatlanok maradnak; csak az értékesítő és a számlázó változik. Ha bármelyikük elutasítja, semmi sem változik.",
  "details.heading": "A kérés",
  "details.newPartner": "Kérelmező partner",
  "details.subscription": "Előfizetés",
  "details.expires": "Lejárat",
  "signin.heading": "Jelentkezzen be a válaszhoz",
  "signin.customer": "Jelentkezzen be az ügyfél szervezetének globális rendszergazdájaként.",
  "signin.currentPartner": "Jelentkezzen be a jelenlegi partner szervezetének egy fiókjával.",
  "signin.devNote": "Fejlesztői bejelentkezés: adja meg a bérlőt, amelynek nevében eljár.",
  "signin.tenantId": "Bérlőazonosító",
  "signin.email": "E-mail-cím (nem kötelező)",
  "signin.globalAdmin": "Ennek a bérlőnek a globális rendszergazdája vagyok",
  "signin.submit": "Bejelentkezés",
  "signin.microsoft": "Bejelentkezés Microsoft-fiókkal",
  "signin.signedInAs": "Bejelentkezve mint {who}.",
  "answer.heading": "Az Ön válasza",
  "answer.signInFirst": "A jóváhagyáshoz vagy elutasításhoz előbb jelentkezzen be.",
  "answer.approve": "Átadás jóváhagyása",
  "answer.decline": "Elutasítás",
  "approved.title": "Jóváhagyta az átadást",
  "approved.body":
    "Köszönjük. Ha mindkét fél jóváhagyta, a(z) {partner} lesz a nyilvántartott partner, és mindenki e-mailt kap róla.",
  "declined.title": "Elutasította az átadást",
  "declined.body": "Semmi sem változik. A(z) {partner} e-mailben értesül erről.",
  "unavailable.title": "Ez a hivatkozás nem érhető el",
  "unavailable.body":
    "A hivatkozás érvénytelen, már felhasználták, vagy a kérés lezárult. Semmi sem változott.",
  "error.title": "Ezzel a fiókkal nem lehet válaszolni a kérésre",
  "error.body":
    "Jelentkezzen be egy olyan fiókkal, amely az oldal leírása szerint válaszolhat erre a kérésre, majd próbálja újra.",
  "error.back": "Vissza a kéréshez",
  "error.code": "Hibakód: {status}",
  "email.greeting": "Üdvözöljük!",
  "email.request.subject": "A(z) {partner} át szeretné venni a(z) {offer} Azure-előfizetést",
  "email.reminder.subject": "Emlékeztető: a(z) {partner} várja a válaszát a(z) {offer} ügyében",
  "email.expires": "A kérés {date} napon lejár, {days} nap múlva.",
  "email.open": "A kérés megnyitása",
  "email.ignore":
    "Ha nem számított erre az e-mailre, hagyja figyelmen kívül: jóváhagyás nélkül semmi sem változik.",
  "outcome.completed.subject": "A(z) {offer} Azure-előfizetés átkerült ide: {partner}",
  "outcome.completed.body":
    "Mindkét fél jóváhagyta: mostantól a(z) {partner} a(z) {customer} {offer} ({subscription}) Azure-előfizetésének nyilvántartott partnere.",
  "outcome.declined.subject": "A(z) {offer} átadását elutasították",
  "outcome.declined.body":
    "A(z) {customer} {offer} ({subscription}) Azure-előfizetésének a(z) {partner} részére történő átadását elutasították. Semmi sem változott.",
  "outcome.expired.subject": "A(z) {offer} átadása lejárt",
  "outcome.expired.body":
    "A(z) {customer} {offer} ({subscription}) Azure-előfizetésének a(z) {partner} részére történő átadását 30 napon belül nem hagyták jóvá, ezért lejárt. Semmi sem változott.",
  "outcome.cancelled.subject": "A(z) {offer} átadását visszavonták",
  "outcome.cancelled.body":
    "A(z) {partner} visszavonta a(z) {customer} {offer} ({subscription}) Azure-előfizetésének átvételére vonatkozó kérését. Semmi sem változott.",
};
