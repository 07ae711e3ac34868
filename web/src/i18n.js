// Every sentence the widget itself shows, in English and French. Bot text comes from the server already translated.

export const LANGUAGES = ["en", "fr"];

export const STRINGS = {
  en: {
    title: "Expat Santé",
    subtitle: "French health insurance, step by step",
    openChat: "Open the Expat Santé chat",
    closeChat: "Close the chat",
    chatRegion: "Chat with Expat Santé",
    messages: "Conversation",
    inputLabel: "Your message",
    inputPlaceholder: "Ask about enrolment, Carte Vitale, mutuelle…",
    send: "Send",
    newConversation: "New conversation",
    newConversationDone: "New conversation started.",
    languageToggle: "Français",
    languageToggleLabel: "Passer en français (the assistant will answer in French)",
    languageNote: "Language: English",
    welcome:
      "Hello! Ask me how to join French health insurance, get a Carte Vitale, choose a mutuelle or estimate what you will be reimbursed. I answer in English or French.",
    you: "You",
    assistant: "Assistant",
    typing: "The assistant is typing…",
    connecting: "Connecting…",
    offline: "Connection lost. Your messages will be sent when it is back.",
    online: "Connected.",
    opensInNewTab: "(opens in a new tab)",
    source: "Source:",
    reviewed: "reviewed",
    costTitle: "Who pays",
    billed: "Billed",
    costChart: "Cost breakdown chart",
    costDetails: "How this is calculated",
    estimateOn: "Estimate for care on",
    letterTitle: "Letter draft",
    copy: "Copy the letter",
    copied: "Letter copied to the clipboard.",
    copyFailed: "Could not copy: select the text and copy it by hand.",
    answered: "Answered",
    hidden: "[hidden]",
    sentAt: "sent at",
  },
  fr: {
    title: "Expat Santé",
    subtitle: "L'Assurance Maladie française, pas à pas",
    openChat: "Ouvrir la discussion Expat Santé",
    closeChat: "Fermer la discussion",
    chatRegion: "Discussion avec Expat Santé",
    messages: "Conversation",
    inputLabel: "Votre message",
    inputPlaceholder: "Inscription, Carte Vitale, mutuelle…",
    send: "Envoyer",
    newConversation: "Nouvelle conversation",
    newConversationDone: "Nouvelle conversation commencée.",
    languageToggle: "English",
    languageToggleLabel: "Switch to English (l'assistant répondra en anglais)",
    languageNote: "Langue : français",
    welcome:
      "Bonjour ! Demandez-moi comment vous inscrire à l'Assurance Maladie, obtenir une Carte Vitale, choisir une mutuelle ou estimer un remboursement. Je réponds en français ou en anglais.",
    you: "Vous",
    assistant: "Assistant",
    typing: "L'assistant écrit…",
    connecting: "Connexion…",
    offline: "Connexion perdue. Vos messages partiront dès son retour.",
    online: "Connecté.",
    opensInNewTab: "(s'ouvre dans un nouvel onglet)",
    source: "Source :",
    reviewed: "vérifié le",
    costTitle: "Qui paie",
    billed: "Montant facturé",
    costChart: "Graphique de répartition des frais",
    costDetails: "Détail du calcul",
    estimateOn: "Estimation pour des soins le",
    letterTitle: "Brouillon de lettre",
    copy: "Copier la lettre",
    copied: "Lettre copiée dans le presse-papiers.",
    copyFailed: "Copie impossible : sélectionnez le texte et copiez-le à la main.",
    answered: "Répondu",
    hidden: "[masqué]",
    sentAt: "envoyé à",
  },
};

export function normaliseLanguage(value, fallback = "en") {
  const short = String(value || "").trim().slice(0, 2).toLowerCase();
  return LANGUAGES.includes(short) ? short : fallback;
}

export function t(language, key) {
  const table = STRINGS[normaliseLanguage(language)];
  if (!(key in table)) throw new Error(`missing UI string: ${key}`);
  return table[key];
}
