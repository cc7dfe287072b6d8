/**
 * Short spoken names for the Unicode emoji people use most in chat. Keys have no variation selector (U+FE0F)
 * and no skin-tone modifier. An emoji missing from this table is dropped rather than passed to MiniMax, whose
 * handling of raw emoji is undocumented (see emoji.ts).
 */
const NAMES: Record<string, string> = {
  // faces
  '😀': 'grinning', '😃': 'grinning', '😄': 'smiling', '😁': 'grinning', '😆': 'laughing', '😅': 'nervous laugh',
  '🤣': 'rolling on the floor laughing', '😂': 'laughing', '🙂': 'smiling', '🙃': 'upside down face', '😉': 'winking',
  '😊': 'smiling', '😇': 'angel', '🥰': 'in love', '😍': 'heart eyes', '🤩': 'star struck', '😘': 'blowing a kiss',
  '😋': 'yum', '😛': 'tongue out', '😜': 'winking tongue out', '🤪': 'zany face', '😝': 'tongue out', '🤑': 'money face',
  '🤗': 'hug', '🤭': 'giggle', '🤫': 'shush', '🤔': 'thinking', '🤐': 'zipped mouth', '🤨': 'raised eyebrow',
  '😐': 'neutral face', '😑': 'expressionless', '😶': 'speechless', '😏': 'smirk', '😒': 'unamused', '🙄': 'eye roll',
  '😬': 'grimace', '😌': 'relieved', '😔': 'pensive', '😪': 'sleepy', '🤤': 'drooling', '😴': 'sleeping',
  '😷': 'mask', '🤒': 'sick', '🤢': 'nauseated', '🤮': 'vomiting', '🥵': 'hot face', '🥶': 'cold face',
  '🥴': 'woozy', '😵': 'dizzy', '🤯': 'mind blown', '🥳': 'party face', '😎': 'cool', '🤓': 'nerd', '🧐': 'monocle',
  '😕': 'confused', '😟': 'worried', '🙁': 'frowning', '☹': 'frowning', '😮': 'surprised', '😯': 'hushed',
  '😲': 'astonished', '😳': 'flushed', '🥺': 'pleading', '🥹': 'holding back tears', '😦': 'frowning', '😧': 'anguished',
  '😨': 'fearful', '😰': 'anxious', '😥': 'sad', '😢': 'crying', '😭': 'sobbing', '😱': 'screaming', '😖': 'confounded',
  '😣': 'persevering', '😞': 'disappointed', '😓': 'sweat', '😩': 'weary', '😫': 'tired', '🥱': 'yawning',
  '😤': 'huffing', '😡': 'angry', '😠': 'angry', '🤬': 'cursing', '😈': 'devil', '👿': 'devil', '💀': 'skull',
  '☠': 'skull and crossbones', '💩': 'poop', '🤡': 'clown', '👻': 'ghost', '👽': 'alien', '🤖': 'robot',
  '🫠': 'melting face', '🫡': 'salute', '🫢': 'gasp', '🫣': 'peeking', '🤥': 'lying', '🫥': 'dotted face',
  '😺': 'smiling cat', '😹': 'cat laughing', '😻': 'cat heart eyes', '🙈': 'see no evil', '🙉': 'hear no evil',
  '🙊': 'speak no evil',
  // hearts and symbols
  '❤': 'heart', '🧡': 'orange heart', '💛': 'yellow heart', '💚': 'green heart', '💙': 'blue heart',
  '💜': 'purple heart', '🖤': 'black heart', '🤍': 'white heart', '🤎': 'brown heart', '🩷': 'pink heart',
  '💔': 'broken heart', '❤‍🔥': 'heart on fire', '💕': 'hearts', '💖': 'sparkling heart', '💗': 'growing heart',
  '💘': 'heart with arrow', '💞': 'hearts', '♥': 'heart', '💯': 'hundred', '💢': 'anger', '💥': 'boom',
  '💫': 'dizzy', '💦': 'sweat drops', '💨': 'dash', '💤': 'zzz', '💬': 'speech bubble', '💭': 'thought bubble',
  '✨': 'sparkles', '⭐': 'star', '🌟': 'glowing star', '🔥': 'fire', '⚡': 'lightning', '❄': 'snowflake',
  '🌈': 'rainbow', '☀': 'sun', '🌙': 'moon', '☁': 'cloud', '✅': 'check mark', '✔': 'check mark', '☑': 'check box',
  '❌': 'cross mark', '❎': 'cross mark', '✖': 'times', '❗': 'exclamation mark', '❕': 'exclamation mark',
  '❓': 'question mark', '❔': 'question mark', '‼': 'double exclamation mark', '⁉': 'exclamation question mark',
  '⚠': 'warning', '🚫': 'prohibited', '⛔': 'no entry', '🆗': 'OK', '🆕': 'new', '🆒': 'cool', '🔴': 'red circle',
  '🟢': 'green circle', '🔵': 'blue circle', '🟡': 'yellow circle', '⚫': 'black circle', '⚪': 'white circle',
  '©': 'copyright', '®': 'registered', '™': 'trademark', '🔟': 'ten', '➕': 'plus', '➖': 'minus', '➗': 'divide',
  '♻': 'recycle', '🎵': 'music note', '🎶': 'music notes', '🔔': 'bell', '🔕': 'muted bell', '📢': 'loudspeaker',
  '🔇': 'muted', '🔊': 'speaker',
  // hands and people
  '👍': 'thumbs up', '👎': 'thumbs down', '👌': 'OK hand', '🤌': 'pinched fingers', '✌': 'victory hand',
  '🤞': 'fingers crossed', '🤟': 'love you gesture', '🤘': 'rock on', '🤙': 'call me', '👈': 'pointing left',
  '👉': 'pointing right', '👆': 'pointing up', '👇': 'pointing down', '☝': 'pointing up', '👋': 'wave',
  '🤚': 'raised hand', '✋': 'raised hand', '🖐': 'hand', '🖖': 'vulcan salute', '👏': 'clapping', '🙌': 'raising hands',
  '👐': 'open hands', '🤲': 'palms up', '🤝': 'handshake', '🙏': 'folded hands', '✍': 'writing', '💪': 'flexed biceps',
  '🫶': 'heart hands', '👊': 'fist bump', '✊': 'raised fist', '🖕': 'middle finger', '👀': 'eyes', '👁': 'eye',
  '🧠': 'brain', '👅': 'tongue', '👄': 'mouth', '🫵': 'pointing at you', '🤷': 'shrug', '🤦': 'facepalm',
  '🙋': 'raising hand', '🙇': 'bowing', '💁': 'tipping hand', '🙅': 'no gesture', '🙆': 'OK gesture',
  '👪': 'family', '👶': 'baby', '👦': 'boy', '👧': 'girl', '👨': 'man', '👩': 'woman', '🧑': 'person', '👴': 'old man',
  '👵': 'old woman', '👑': 'crown', '💃': 'dancing', '🕺': 'dancing', '🏃': 'running', '🚶': 'walking',
  // animals, food, things
  '🐶': 'dog', '🐱': 'cat', '🐭': 'mouse', '🐰': 'rabbit', '🦊': 'fox', '🐻': 'bear', '🐼': 'panda', '🐸': 'frog',
  '🐵': 'monkey', '🐔': 'chicken', '🐧': 'penguin', '🐦': 'bird', '🦆': 'duck', '🦉': 'owl', '🐍': 'snake',
  '🐢': 'turtle', '🐟': 'fish', '🐬': 'dolphin', '🐳': 'whale', '🦈': 'shark', '🐛': 'bug', '🦋': 'butterfly',
  '🐝': 'bee', '🕷': 'spider', '🦀': 'crab', '🦜': 'parrot', '🐐': 'goat', '🐑': 'sheep', '🐄': 'cow', '🐖': 'pig',
  '🐷': 'pig', '🦄': 'unicorn', '🐉': 'dragon', '🌹': 'rose', '🌸': 'cherry blossom', '🌻': 'sunflower',
  '🍀': 'four leaf clover', '🌵': 'cactus', '🌲': 'tree', '🍎': 'apple', '🍌': 'banana', '🍕': 'pizza',
  '🍔': 'burger', '🍟': 'fries', '🌮': 'taco', '🍣': 'sushi', '🍜': 'noodles', '🍩': 'donut', '🍪': 'cookie',
  '🎂': 'birthday cake', '🍰': 'cake', '🍿': 'popcorn', '☕': 'coffee', '🍵': 'tea', '🍺': 'beer', '🍻': 'cheers',
  '🍷': 'wine', '🥂': 'cheers', '🧃': 'juice box', '🎉': 'party popper', '🎊': 'confetti', '🎁': 'gift',
  '🎈': 'balloon', '🏆': 'trophy', '🥇': 'gold medal', '⚽': 'soccer ball', '🏀': 'basketball', '🎮': 'video game',
  '🎲': 'dice', '🎯': 'bullseye', '🎤': 'microphone', '🎧': 'headphones', '📷': 'camera', '📱': 'phone',
  '💻': 'laptop', '⌨': 'keyboard', '🖥': 'computer', '💡': 'light bulb', '📌': 'pin', '📎': 'paperclip',
  '🔗': 'link', '🔒': 'locked', '🔑': 'key', '🔨': 'hammer', '🛠': 'tools', '⚙': 'gear', '💣': 'bomb',
  '🔫': 'water pistol', '🗿': 'moai', '💰': 'money bag', '💸': 'money with wings', '💎': 'gem', '📈': 'chart up',
  '📉': 'chart down', '📅': 'calendar', '⏰': 'alarm clock', '⌛': 'hourglass', '⏳': 'hourglass', '🚀': 'rocket',
  '✈': 'airplane', '🚗': 'car', '🏠': 'house', '🌍': 'globe', '🌎': 'globe', '🌏': 'globe', '🧢': 'cap',
  '🤧': 'sneezing', '🍆': 'eggplant', '🍑': 'peach', '🏳‍🌈': 'rainbow flag', '🏳‍⚧': 'transgender flag',
  '🏴‍☠': 'pirate flag', '🏁': 'checkered flag', '🚩': 'red flag', '🏳': 'white flag', '🏴': 'black flag',
};

/** Spoken name of `key` (an emoji without U+FE0F and skin tones), or undefined when the table lacks it. */
export function emojiName(key: string): string | undefined {
  return Object.hasOwn(NAMES, key) ? NAMES[key] : undefined;
}
