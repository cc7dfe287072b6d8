/**
 * A built-in catalogue of MiniMax system voices (a subset of the 300+; VoiceCatalogue.refresh() adds the rest
 * from the get_voice API). IDs are exactly as MiniMax spells them, spaces and parentheses included.
 */

/** Where a voice entry came from. */
export type VoiceSource = 'builtin' | 'system' | 'voice_cloning' | 'voice_generation';

export interface VoiceInfo {
  voiceId: string;
  /** Display name. */
  name: string;
  /** Language or accent, e.g. "English", "Chinese (Mandarin)". */
  language: string;
  description?: string;
  source: VoiceSource;
}

type Row = [id: string, name: string];

const ENGLISH: Row[] = [
  ['English_expressive_narrator', 'Expressive Narrator'],
  ['English_Graceful_Lady', 'Graceful Lady'],
  ['English_radiant_girl', 'Radiant Girl'],
  ['English_Trustworth_Man', 'Trustworthy Man'],
  ['English_CalmWoman', 'Calm Woman'],
  ['English_Gentle-voiced_man', 'Gentle-voiced Man'],
  ['English_magnetic_voiced_man', 'Magnetic-voiced Male'],
  ['English_Upbeat_Woman', 'Upbeat Woman'],
  ['English_compelling_lady1', 'Compelling Lady'],
  ['English_captivating_female1', 'Captivating Female'],
  ['English_PlayfulGirl', 'Playful Girl'],
  ['English_ManWithDeepVoice', 'Man With Deep Voice'],
  ['English_FriendlyPerson', 'Friendly Guy'],
  ['English_Aussie_Bloke', 'Aussie Bloke'],
  ['English_ReservedYoungMan', 'Reserved Young Man'],
  ['English_SadTeen', 'Sad Teen'],
  ['English_Wiselady', 'Wise Lady'],
  ['English_Steadymentor', 'Steady Mentor'],
  ['English_Deep-VoicedGentleman', 'Deep-voiced Gentleman'],
  ['English_MaturePartner', 'Mature Partner'],
  ['English_MatureBoss', 'Mature Boss'],
  ['English_Debator', 'Debater'],
  ['English_LovelyGirl', 'Lovely Girl'],
  ['English_Soft-spokenGirl', 'Soft-spoken Girl'],
  ['English_ConfidentWoman', 'Confident Woman'],
  ['English_PatientMan', 'Patient Man'],
  ['English_Comedian', 'Comedian'],
  ['English_BossyLeader', 'Bossy Leader'],
  ['English_Strong-WilledBoy', 'Strong-willed Boy'],
  ['English_WhimsicalGirl', 'Whimsical Girl'],
  ['English_UpsetGirl', 'Upset Girl'],
  ['English_Whispering_girl', 'Whispering Girl'],
  ['English_Diligent_Man', 'Diligent Man'],
  ['English_CaptivatingStoryteller', 'Captivating Storyteller'],
  ['English_DecentYoungMan', 'Decent Young Man'],
  ['English_SentimentalLady', 'Sentimental Lady'],
  ['English_ImposingManner', 'Imposing Manner'],
  ['English_PassionateWarrior', 'Passionate Warrior'],
  ['English_WiseScholar', 'Wise Scholar'],
  ['English_SereneWoman', 'Serene Woman'],
  ['English_StressedLady', 'Stressed Lady'],
  ['English_AssertiveQueen', 'Assertive Queen'],
  ['English_Jovialman', 'Jovial Man'],
  ['English_Kind-heartedGirl', 'Kind-hearted Girl'],
];

const MANDARIN: Row[] = [
  ['male-qn-qingse', 'Youthful Male (Qingse)'],
  ['male-qn-jingying', 'Elite Young Male (Jingying)'],
  ['male-qn-badao', 'Domineering Young Male (Badao)'],
  ['male-qn-daxuesheng', 'College Student Male'],
  ['female-shaonv', 'Young Girl (Shaonv)'],
  ['female-yujie', 'Mature Lady (Yujie)'],
  ['female-chengshu', 'Mature Woman (Chengshu)'],
  ['female-tianmei', 'Sweet Woman (Tianmei)'],
  ['presenter_male', 'Male Presenter'],
  ['presenter_female', 'Female Presenter'],
  ['audiobook_male_1', 'Audiobook Male 1'],
  ['audiobook_male_2', 'Audiobook Male 2'],
  ['audiobook_female_1', 'Audiobook Female 1'],
  ['audiobook_female_2', 'Audiobook Female 2'],
  ['Chinese (Mandarin)_News_Anchor', 'News Anchor'],
  ['Chinese (Mandarin)_Gentleman', 'Gentleman'],
  ['Chinese (Mandarin)_Reliable_Executive', 'Reliable Executive'],
  ['Chinese (Mandarin)_Warm_Girl', 'Warm Girl'],
  ['Chinese (Mandarin)_Radio_Host', 'Radio Host'],
  ['Chinese (Mandarin)_Lyrical_Voice', 'Lyrical Voice'],
];

const OTHERS: [language: string, rows: Row[]][] = [
  ['Japanese', [
    ['Japanese_Whisper_Belle', 'Whisper Belle'],
    ['Japanese_IntellectualSenior', 'Intellectual Senior'],
    ['Japanese_DecisivePrincess', 'Decisive Princess'],
    ['Japanese_LoyalKnight', 'Loyal Knight'],
    ['Japanese_GentleButler', 'Gentle Butler'],
    ['Japanese_KindLady', 'Kind Lady'],
  ]],
  ['Korean', [
    ['Korean_SweetGirl', 'Sweet Girl'],
    ['Korean_CheerfulBoyfriend', 'Cheerful Boyfriend'],
    ['Korean_CalmLady', 'Calm Lady'],
  ]],
  ['Spanish', [
    ['Spanish_SereneWoman', 'Serene Woman'],
    ['Spanish_MaturePartner', 'Mature Partner'],
    ['Spanish_Narrator', 'Narrator'],
  ]],
  ['French', [
    ['French_Male_Speech_New', 'Level-headed Man'],
    ['French_Female_News Anchor', 'Female News Anchor'],
    ['French_CasualMan', 'Casual Man'],
  ]],
  ['German', [
    ['German_FriendlyMan', 'Friendly Man'],
    ['German_SweetLady', 'Sweet Lady'],
    ['German_PlayfulMan', 'Playful Man'],
  ]],
  ['Portuguese', [['Portuguese_SentimentalLady', 'Sentimental Lady']]],
  ['Russian', [
    ['Russian_HandsomeChildhoodFriend', 'Handsome Childhood Friend'],
    ['Russian_BrightHeroine', 'Bright Queen'],
    ['Russian_ReliableMan', 'Reliable Man'],
  ]],
  ['Italian', [
    ['Italian_BraveHeroine', 'Brave Heroine'],
    ['Italian_Narrator', 'Narrator'],
  ]],
  ['Arabic', [
    ['Arabic_CalmWoman', 'Calm Woman'],
    ['Arabic_FriendlyGuy', 'Friendly Guy'],
  ]],
  ['Indonesian', [['Indonesian_SweetGirl', 'Sweet Girl']]],
  ['Turkish', [['Turkish_CalmWoman', 'Calm Woman']]],
];

function rows(language: string, list: Row[]): VoiceInfo[] {
  return list.map(([voiceId, name]) => ({ voiceId, name, language, source: 'builtin' }));
}

/** The built-in system voices. */
export const BUILT_IN_VOICES: readonly VoiceInfo[] = Object.freeze([
  ...rows('English', ENGLISH),
  ...rows('Chinese (Mandarin)', MANDARIN),
  ...OTHERS.flatMap(([language, list]) => rows(language, list)),
]);

/**
 * A voice's language from MiniMax's naming habit ("Language_Name"); the older lowercase IDs
 * (male-qn-qingse, presenter_male, audiobook_female_1) are Mandarin.
 */
export function languageOfVoiceId(id: string): string {
  const prefix = /^([A-Z][A-Za-z]*(?: \([A-Za-z]+\))?)_/.exec(id)?.[1];
  return prefix ?? 'Chinese (Mandarin)';
}
