/**
 * Evidence for the Latin-script languages of detectLanguage: each language's most frequent short words (a word
 * shared by several languages counts for each), and letters that only some languages write.
 */
import type { LanguageBoost } from '../t2a/types.js';

export type LatinLanguage = Extract<
  LanguageBoost,
  | 'English' | 'Spanish' | 'French' | 'German' | 'Portuguese' | 'Italian' | 'Dutch' | 'Indonesian' | 'Turkish' | 'Polish'
  | 'Romanian' | 'Czech' | 'Swedish' | 'Finnish' | 'Hungarian'
>;

const WORDS: Record<LatinLanguage, string> = {
  English:
    "the and is are was were you i it of to in that this with for have has not what my your we they be do don't i'm " +
    "it's can will just at on so but how there going about would should me he she his her if get all yes from an " +
    "been did got really today thanks please know think want like who why when where here our their them anyone someone tonight up out some any now see one time",
  Spanish:
    'el la los las de que y en un una es por con para no se del lo como pero más muy está estoy qué yo tú mi su al ' +
    'hay también porque cuando eso esto bien hoy vamos ya nos le tengo tiene quiero puedo gracias hola sí son ser ' +
    'todo nada algo donde mañana creo alguien quiere noche',
  French:
    "le la les de des et est un une je tu il elle nous vous pas que qui en du dans pour sur avec ce ça c'est mais " +
    "au aux très on ne se mon ton son sont suis j'ai bien aussi quoi oui ai as fait faire peut veux merci bonjour " +
    "demain aujourd'hui toujours encore rien chez quelqu'un veut soir jouer",
  German:
    'der die das und ist nicht ich du er sie es wir ihr ein eine zu mit auf für den dem von auch sich aber noch ' +
    'wie was bin hast haben heute schon mal doch ja nein sehr kann wird einen bitte danke morgen gibt gehen kommt ' +
    'jetzt hier wo warum weil oder jemand will abend',
  Portuguese:
    'o os a as de que e é um uma não em do da dos das no na para com por mais eu você ele ela isso muito se está ' +
    'estou também mas tá vai hoje ao meu minha obrigado obrigada amanhã tudo bem agora aqui onde porque quando ' +
    'vou tem temos são ser alguém quer noite',
  Italian:
    'il lo la gli le di che e è un una non per con sono ho hai ma anche questo questa mi ti si del della nel al ' +
    'alla come più molto oggi cosa io tu ci sei perché stato fatto grazie domani ancora sempre adesso qui dove ' +
    'quando siamo andiamo bene qualcuno vuole stasera',
  Dutch:
    'de het een en is niet ik je jij we wij van dat die te op in met voor maar ook zijn naar om er nog wel heb ' +
    'hebben wat dit hoe al kan gaan vandaag heel bij mijn geen morgen dank jullie waar waarom omdat nu hier',
  Indonesian:
    'yang dan di ke dari ini itu tidak aku saya kamu kita kami ada akan untuk dengan sudah belum bisa juga apa mau ' +
    'lagi sangat karena tapi dia mereka pergi hari nanti sekarang gak nggak banget terima kasih besok',
  Turkish:
    'bir ve bu da de için ne ben sen o çok mi mı mu mü ile var yok gibi ama daha şey bugün nasıl evet hayır ' +
    'değil olarak kadar sonra yarın teşekkürler neden burada şimdi',
  Polish:
    'i w z na nie się to jest że do jak co ale o tak ja ty mi już czy jestem bardzo dzisiaj dziś był będzie ' +
    'tylko może jeszcze mnie dziękuję jutro teraz tutaj gdzie dlaczego',
  Romanian:
    'și în de la nu este o un că cu pe mai sunt ce se pentru care din am foarte azi astăzi dar eu tu mâine ' +
    'mulțumesc acum aici unde',
  Czech:
    'a je se na to v že s z jsem ale jak co tak pro by jsou není už mě dnes taky také ještě velmi byl děkuji ' +
    'zítra teď tady kde proč',
  Swedish:
    'och att det är en ett i på som för med jag du inte har till av om vi den kan så men var mycket idag också ' +
    'hej nu tack imorgon här varför',
  Finnish:
    'ja on ei se että olen minä sinä mitä kun tämä oli mutta myös hyvin tänään kanssa ole ovat vain kiitos ' +
    'huomenna nyt täällä miksi',
  Hungarian:
    'a az és nem hogy is egy van de meg ez azt mit én te már csak nagyon ma volt lesz köszönöm holnap most itt ' +
    'hol miért',
};

/** Word -> the languages that use it. */
export const LATIN_STOPWORDS: ReadonlyMap<string, readonly LatinLanguage[]> = (() => {
  const map = new Map<string, LatinLanguage[]>();
  for (const [language, words] of Object.entries(WORDS) as [LatinLanguage, string][]) {
    for (const word of new Set(words.split(/\s+/u))) {
      if (word === '') continue;
      const list = map.get(word) ?? [];
      list.push(language);
      map.set(word, list);
    }
  }
  return map;
})();

/** Letters (lower case) and the languages they point to, with how much each occurrence counts. */
const HINTS: [letters: string, languages: LatinLanguage[], points: number][] = [
  ['ñ¿¡', ['Spanish'], 2],
  ['ß', ['German'], 3],
  ['ãõ', ['Portuguese'], 2],
  ['œ', ['French'], 3],
  ['ğşı', ['Turkish'], 3],
  ['ąęłńśźżć', ['Polish'], 3],
  ['řěů', ['Czech'], 3],
  ['őű', ['Hungarian'], 3],
  ['șțăâî', ['Romanian'], 1],
  ['å', ['Swedish'], 2],
  ['ä', ['German', 'Swedish', 'Finnish'], 1],
  ['ö', ['German', 'Swedish', 'Finnish', 'Turkish', 'Hungarian'], 0.5],
  ['ü', ['German', 'Turkish', 'Hungarian'], 0.5],
  ['ç', ['French', 'Portuguese', 'Turkish'], 0.5],
  ['êô', ['French', 'Portuguese'], 0.5],
  ['èùûëï', ['French'], 0.5],
  ['ìò', ['Italian'], 1],
  ['à', ['French', 'Italian', 'Portuguese'], 0.3],
  ['áíóú', ['Spanish', 'Portuguese', 'Czech', 'Hungarian'], 0.3],
  ['čšžý', ['Czech'], 0.5],
];

export const LATIN_HINTS: ReadonlyMap<string, readonly [LatinLanguage, number][]> = (() => {
  const map = new Map<string, [LatinLanguage, number][]>();
  for (const [letters, languages, points] of HINTS) {
    for (const letter of letters) map.set(letter, [...(map.get(letter) ?? []), ...languages.map((l): [LatinLanguage, number] => [l, points])]);
  }
  return map;
})();
