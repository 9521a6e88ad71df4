"""A deterministic invented Khoros community: categories, boards, threads, posts and users.

Everything derives from ``random.Random(seed)`` and a fixed base date, never from the clock, so a
seed always gives the same community. Mutations (new reply, edit, delete) advance the community's
own ``clock`` instead of reading the time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

SITE_TZ = ZoneInfo("America/Chicago")
BASE_DATE = datetime(2025, 1, 6, 8, 30, tzinfo=SITE_TZ)
FIRST_UID = 40_211

SNIPPETS: tuple[str, ...] = (
    "My Lumo Hub drops off the network every night around 2 AM.",
    "The status light on the hub blinks amber three times and then goes dark.",
    "I already tried a factory reset by holding the pairing button for ten seconds.",
    "After the 4.12 firmware update the Brightnest thermostat forgets its schedule.",
    "The living room sensor reports 31 degrees while the room is clearly warm.",
    "Moving the bridge closer to the router fixed the pairing problem for me.",
    "Make sure the hub is on the 2.4 GHz band; it cannot join a 5 GHz-only network.",
    "Support asked me to send the diagnostic log from Settings > About > Report.",
    "The Kestrel doorbell camera records the motion clip but the notification never arrives.",
    "Night vision on the camera turns everything purple after about an hour.",
    "I was charged twice for the Plus plan this month.",
    "The invoice shows a proration line I do not understand.",
    "Refunds usually take five to seven business days to reach your card.",
    "You can switch from monthly to yearly billing under Account > Plan.",
    "The HomeCue app logs me out every time I close it on Android.",
    "Clearing the app cache and signing in again solved it here.",
    "The widget on my lock screen shows yesterday's temperature.",
    "Scenes that trigger at sunset run an hour late since the clocks changed.",
    "Has anyone managed to group lights from two different hubs in one room?",
    "This is a known issue and a fix is scheduled for the next app release.",
    "Thanks, that worked perfectly!",
    "Same problem here, following this thread.",
    "Could you post a screenshot of the error message?",
    "Which version of the app are you running?",
    "I replaced the batteries in the motion sensor and the false alarms stopped.",
    "The geofence keeps thinking I left home while I am sitting on the couch.",
    "Two-factor codes arrive by SMS but the app says they expired.",
    "Our family plan lists six members but only five can sign in.",
    "The hub's local API answers on port 8443 once developer mode is enabled.",
    "Warranty replacements ship within a week if the serial number is registered.",
    "I marked this as solved so others can find the answer.",
    "Please keep the discussion friendly; personal details were removed from this post.",
    "The energy report double counts the dryer on weekends.",
    "Away mode does not lower the temperature unless every phone leaves the geofence.",
    "The firmware file is lumohub-firmware-4.12.7-stable-build-20250311.bin if you need it.",
    "I ended up buying a second bridge for the garage and the range problem went away.",
    "The café downstairs uses the same hub and their lights never flicker.",
    "Viele Grüße aus München, bei mir klappt es jetzt wieder.",
    "日本語の設定でもアプリは正常に動作しています。",
    "Works again after the update 🎉 thanks everyone!",
    "Привет! После обновления хаб снова в сети, спасибо.",
    "Le thermostat affiche « erreur 17 » après la mise à jour.",
)

SUBJECT_THINGS: tuple[str, ...] = (
    "Lumo Hub", "Lumo Hub Mini", "Zigbee bridge", "Brightnest thermostat", "window sensor",
    "Kestrel doorbell", "Kestrel camera", "Plus plan", "invoice", "family plan", "HomeCue app",
    "lock screen widget", "sunset scene", "geofence", "energy report", "motion sensor",
)
SUBJECT_ISSUES: tuple[str, ...] = (
    "keeps going offline", "not pairing after reset", "stuck on amber light",
    "shows the wrong temperature", "charged twice", "missing from the app",
    "stopped working after update", "notifications delayed", "cannot sign in", "how to set up?",
    "error 17 after firmware 4.12", "runs an hour late", "range problems in the garage",
    "question about proration", "logs me out on Android", "café mode request",
)

RANKS: tuple[str, ...] = (
    "New Member", "Contributor", "Rising Star", "Expert", "Community Champion",
)
SIGNATURES: tuple[str, ...] = (
    "Three hubs, forty bulbs, zero patience.",
    "If this helped, a kudo is appreciated.",
    "HomeCue 5.2 on Android 14",
    "Grüße, Jürgen",
    "Moderator. Please read the community guidelines.",
)
LOGINS: tuple[str, ...] = (
    "maria_s", "dave_on_call", "kiki", "thermostat_tinkerer_2024", "gardenlights_grandpa",
    "night_owl_installer", "Jürgen_K", "b.lee", "ConnorW", "sunroom_sam", "pixelpatty",
    "HomeCue_Support", "tomasz.k", "akiko_t", "renovation_rita_in_ohio", "z", "oldhousejoe",
    "wifi_whisperer", "ana-paula", "MikeR", "quietcoder", "lumo_lover_since_2019", "chloé",
    "basement_lab", "priya_n", "GregTheGreat", "hvac_hank", "smartish_home_owner", "linh",
    "doorbell_dan",
)
SUPPORT_LOGIN = "HomeCue_Support"

# (category id, slug, title, description, boards, sub-categories); a board is
# (board id, slug, title, description, threads at scale 1). Khoros nests categories, never boards.
LAYOUT = (
    ("devices", "Smart-Home-Devices", "Smart Home Devices",
     "Hubs, thermostats, sensors and cameras.", (
         ("hubs", "Hubs-and-Bridges", "Hubs & Bridges",
          "Setting up and troubleshooting Lumo hubs and bridges.", 10),
         ("thermostats", "Thermostats-and-Sensors", "Thermostats & Sensors",
          "Brightnest thermostats, window and motion sensors.", 8),
     ), (
         ("labs", "HomeCue-Labs", "HomeCue Labs", "Early firmware and experiments.", (
             ("sensor-beta", "Sensor-Firmware-Beta", "Sensor Firmware Beta",
              "Early firmware for sensors: feedback welcome.", 5),
         ), ()),
     )),
    ("account", "Account-and-Billing", "Account & Billing",
     "Plans, invoices and the HomeCue app.", (
         ("billing", "Billing-and-Plans", "Billing & Plans",
          "Questions about plans, invoices and refunds.", 9),
         ("app", "HomeCue-App", "HomeCue App", "The HomeCue app for Android and iOS.", 8),
     ), ()),
)
# Post counts of the first threads, so every build has known page shapes (10 posts per page).
PINNED_POST_COUNTS = (23, 60, 1, 10, 11, 41)


@dataclass(frozen=True)
class User:
    id: int | None
    login: str
    rank: str
    registered: date | None = None
    signature: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.id is None


ANONYMOUS = User(id=None, login="Anonymous", rank="")


@dataclass(slots=True)
class Quote:
    """``author`` wrote ``text`` in post ``post_uid``; ``inner`` holds the quotes it quoted."""

    author: str
    post_uid: int | None
    text: str
    inner: list[Quote] = field(default_factory=list)


@dataclass(slots=True)
class Post:
    """A message. Its paragraphs are kept as snippet numbers (or own text) to stay small, so a
    community of 100,000 posts fits in a few tens of MB; ``body_html`` is built on demand."""

    uid: int
    board_msg_number: int
    author: User
    posted_at: datetime
    signature: str | None = None
    kudos: int = 0
    quotes: tuple[Quote, ...] = ()
    edited_at: datetime | None = None
    source: tuple[tuple[int, ...] | str, ...] = field(default=(), repr=False)

    @property
    def paragraphs(self) -> list[str]:
        return [p if isinstance(p, str) else " ".join(SNIPPETS[i] for i in p)
                for p in self.source]

    @property
    def text(self) -> str:
        """The body's own plain text (quotes excluded), one paragraph per line."""
        return "\n".join(self.paragraphs)

    @property
    def body_html(self) -> str:
        """The body's own HTML (quotes and signature are added by the page)."""
        return _paragraphs_html(self.paragraphs)


@dataclass(slots=True)
class Thread:
    uid: int
    subject: str
    posts: list[Post]
    accepted_uid: int | None = None
    views: int = 0
    board_id: str = ""
    changed_at: datetime | None = None

    @property
    def reply_count(self) -> int:
        return len(self.posts) - 1

    @property
    def last_post(self) -> Post:
        return self.posts[-1]

    @property
    def modified_at(self) -> datetime:
        """Latest instant anything shown on the thread changed."""
        stamps = [p.edited_at or p.posted_at for p in self.posts]
        if self.changed_at:
            stamps.append(self.changed_at)
        return max(stamps)


@dataclass
class Board:
    id: str
    slug: str
    title: str
    description: str
    threads: list[Thread] = field(default_factory=list)
    category_id: str = ""
    next_msg_number: int = 1
    changed_at: datetime | None = None
    _order: list[Thread] | None = field(default=None, repr=False, compare=False)
    _rank: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    def sorted_threads(self) -> list[Thread]:
        """Threads by last post, newest first (the listing order); cached until ``touch()``."""
        if self._order is None:
            self._order = sorted(self.threads, key=lambda t: (t.last_post.posted_at, t.uid),
                                 reverse=True)
            self._rank = {t.uid: i for i, t in enumerate(self._order)}
        return self._order

    def listing_index(self, thread: Thread) -> int:
        """The thread's place in the listing order."""
        self.sorted_threads()
        return self._rank[thread.uid]

    def touch(self) -> None:
        """Forget the cached listing order after a change."""
        self._order = None

    @property
    def post_count(self) -> int:
        return sum(len(t.posts) for t in self.threads)


@dataclass
class Category:
    id: str
    slug: str
    title: str
    description: str
    boards: list[Board] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    parent_id: str | None = None

    def all_boards(self) -> list[Board]:
        """Its boards, then those of its sub-categories (depth first)."""
        return self.boards + [b for sub in self.categories for b in sub.all_boards()]

    @property
    def thread_count(self) -> int:
        return sum(len(b.threads) for b in self.all_boards())

    @property
    def post_count(self) -> int:
        return sum(b.post_count for b in self.all_boards())


@dataclass
class Community:
    title: str
    categories: list[Category]
    users: list[User] = field(default_factory=list)
    clock: datetime = BASE_DATE
    next_uid: int = FIRST_UID
    _categories: dict[str, Category] = field(default_factory=dict, repr=False)
    _boards: dict[str, Board] = field(default_factory=dict, repr=False)
    _threads: dict[int, Thread] = field(default_factory=dict, repr=False)
    _post_threads: dict[int, Thread] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the lookup tables from the tree."""
        self._categories = {c.id: c for c in self.all_categories()}
        self._boards = {b.id: b for b in self.all_boards()}
        self._threads = {t.uid: t for b in self._boards.values() for t in b.threads}
        self._post_threads = {p.uid: t for t in self._threads.values() for p in t.posts}

    def all_categories(self) -> list[Category]:
        """Every category, sub-categories right after their parent."""
        out: list[Category] = []

        def walk(cats: list[Category]) -> None:
            for cat in cats:
                out.append(cat)
                walk(cat.categories)

        walk(self.categories)
        return out

    def all_boards(self) -> list[Board]:
        return [b for c in self.categories for b in c.all_boards()]

    def category(self, cat_id: str) -> Category | None:
        return self._categories.get(cat_id)

    def board(self, board_id: str) -> Board | None:
        return self._boards.get(board_id)

    def thread(self, uid: int) -> Thread | None:
        return self._threads.get(uid)

    def find_post(self, uid: int) -> tuple[Thread, Post] | None:
        thread = self._post_threads.get(uid)
        if thread is None:
            return None
        return thread, next(p for p in thread.posts if p.uid == uid)

    def _find(self, uid: int) -> tuple[Thread, Post]:
        found = self.find_post(uid)
        if found is None:
            raise KeyError(f"no post {uid}")
        return found

    def threads(self) -> list[Thread]:
        return list(self._threads.values())

    @property
    def post_count(self) -> int:
        return len(self._post_threads)

    def user(self, login: str) -> User | None:
        return next((u for u in self.users if u.login == login), None)

    def tick(self) -> datetime:
        """Advance the community clock by a minute and return it."""
        self.clock += timedelta(minutes=1)
        return self.clock

    def add_reply(self, thread_uid: int, text: str, author_login: str | None = None) -> Post:
        """Append a reply posted 'now' (the community clock); returns the new post."""
        thread = self._threads[thread_uid]
        board = self._boards[thread.board_id]
        author = self.user(author_login) if author_login else self.users[0]
        if author is None:
            author = User(id=max(u.id or 0 for u in self.users) + 1, login=author_login or "",
                          rank=RANKS[0], registered=self.clock.date())
            self.users.append(author)
        post = Post(
            uid=self.next_uid, board_msg_number=board.next_msg_number, author=author,
            posted_at=self.tick(), signature=author.signature, source=_split_paragraphs(text),
        )
        self.next_uid += 1
        board.next_msg_number += 1
        thread.posts.append(post)
        self._post_threads[post.uid] = thread
        board.touch()
        return post

    def edit_post(self, uid: int, text: str) -> Post:
        """Replace a post's whole body (its quotes too) and stamp ``edited_at``."""
        _, post = self._find(uid)
        post.quotes = ()
        post.source = _split_paragraphs(text)
        post.edited_at = self.tick()
        return post

    def delete_post(self, uid: int) -> None:
        """Remove a message; removing the opening post removes the whole thread, as Khoros does."""
        thread, post = self._find(uid)
        board = self._boards[thread.board_id]
        now = self.tick()
        board.touch()
        if post.uid == thread.uid:
            board.threads.remove(thread)
            board.changed_at = now
            del self._threads[thread.uid]
            for p in thread.posts:
                del self._post_threads[p.uid]
            return
        thread.posts.remove(post)
        del self._post_threads[uid]
        if thread.accepted_uid == uid:
            thread.accepted_uid = None
        thread.changed_at = now


def _split_paragraphs(text: str) -> tuple[str, ...]:
    return tuple(" ".join(p.split()) for p in text.split("\n\n") if p.strip()) or ("",)


def _paragraphs_html(paragraphs: list[str]) -> str:
    """Body HTML in Khoros's own style (upper-case tags)."""
    return "\n".join(f"<P>{_wbr(escape(p, quote=False))}</P>" for p in paragraphs)


def _wbr(text: str) -> str:
    """Insert ``<wbr />`` into words longer than 30 characters, as Khoros does."""
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 30:
            words[i] = "<wbr />".join(w[j:j + 20] for j in range(0, len(w), 20))
    return " ".join(words)


def build_community(
    seed: int = 7, *, threads_per_board: int | None = None, scale: float = 1.0
) -> Community:
    """Build the demo community. ``scale`` multiplies the threads per board;
    ``threads_per_board`` fixes that number instead (both for large benchmark communities)."""
    rng = random.Random(seed)
    users = _make_users(rng, scale)
    categories = [_make_category(spec) for spec in LAYOUT]
    community = Community(title="HomeCue Community", categories=categories, users=users)
    boards = community.all_boards()
    plan = [
        (b, threads_per_board if threads_per_board is not None else max(1, round(n * scale)))
        for b, n in zip(boards, _base_counts(), strict=True)
    ]
    pinned = iter(PINNED_POST_COUNTS)
    all_posts: list[tuple[datetime, int, Post, Board]] = []
    for board, count in plan:
        for _ in range(count):
            thread = _make_thread_skeleton(rng, users, next(pinned, None) or _post_count(rng))
            thread.board_id = board.id
            board.threads.append(thread)
            all_posts.extend((p.posted_at, len(all_posts), p, board) for p in thread.posts)
    all_posts.sort(key=lambda item: (item[0], item[1]))
    for uid, (_, _, post, board) in enumerate(all_posts, start=FIRST_UID):
        post.uid = uid
        post.board_msg_number = board.next_msg_number
        board.next_msg_number += 1
    for board, _ in plan:
        for thread in board.threads:
            _fill_thread(rng, thread)
    community.next_uid = FIRST_UID + len(all_posts)
    community.clock = max((p.posted_at for _, _, p, _ in all_posts), default=BASE_DATE) + timedelta(
        hours=3)
    community.reindex()
    return community


def _base_counts(specs: tuple = LAYOUT) -> list[int]:
    """Threads per board at scale 1, in ``Community.all_boards()`` order."""
    return [n for spec in specs for n in [b[4] for b in spec[4]] + _base_counts(spec[5])]


def _make_category(spec: tuple, parent_id: str | None = None) -> Category:
    cat_id, slug, title, description, board_specs, sub_specs = spec
    cat = Category(cat_id, slug, title, description, parent_id=parent_id)
    cat.boards = [_make_board(s, cat_id) for s in board_specs]
    cat.categories = [_make_category(s, cat_id) for s in sub_specs]
    return cat


def _make_board(spec: tuple, category_id: str) -> Board:
    board_id, slug, title, description, _ = spec
    board = Board(board_id, slug, title, description, category_id=category_id)
    board.next_msg_number = 100 + 37 * len(board_id)
    return board


def _make_users(rng: random.Random, scale: float) -> list[User]:
    logins = list(LOGINS)
    extra = min(5000, int(30 * (scale - 1))) if scale > 1 else 0
    logins += [f"member_{i:05d}" for i in range(extra)]
    ids = rng.sample(range(1_000, 99_999), len(logins))
    users = []
    for i, (login, uid) in enumerate(zip(logins, ids, strict=True)):
        rank = "Community Manager" if login == SUPPORT_LOGIN else rng.choice(RANKS)
        signature = SIGNATURES[i % len(SIGNATURES)] if rng.random() < 0.3 else None
        if login == SUPPORT_LOGIN:
            signature = SIGNATURES[4]
        registered = date(2016, 1, 1) + timedelta(days=rng.randrange(3000))
        users.append(User(id=uid, login=login, rank=rank, registered=registered,
                          signature=signature))
    return users


def _post_count(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.4:
        return rng.randint(1, 5)
    if r < 0.7:
        return rng.randint(6, 12)
    if r < 0.9:
        return rng.randint(13, 30)
    return rng.randint(31, 60)


def _pick_author(rng: random.Random, users: list[User]) -> User:
    if rng.random() < 0.03:
        return ANONYMOUS
    # a few regulars write most posts
    return users[min(int(rng.paretovariate(1.2)) - 1, len(users) - 1)] if rng.random() < 0.5 \
        else rng.choice(users)


def _make_thread_skeleton(rng: random.Random, users: list[User], n_posts: int) -> Thread:
    start = BASE_DATE + timedelta(minutes=rng.randrange(330 * 24 * 60))
    posts = []
    when = start
    for i in range(n_posts):
        if i:
            gap = rng.randint(3, 600) if rng.random() < 0.9 else rng.randint(600, 6000)
            when += timedelta(minutes=gap)
        posts.append(Post(uid=0, board_msg_number=0, author=_pick_author(rng, users),
                          posted_at=when))
    subject = f"{rng.choice(SUBJECT_THINGS)} {rng.choice(SUBJECT_ISSUES)}"
    subject = subject[0].upper() + subject[1:]
    return Thread(uid=0, subject=subject, posts=posts, views=rng.randint(5, 900) * n_posts)


def _fill_thread(rng: random.Random, thread: Thread) -> None:
    thread.uid = thread.posts[0].uid
    if len(thread.posts) > 1 and rng.random() < 0.4:
        thread.accepted_uid = rng.choice(thread.posts[1:]).uid
    for i, post in enumerate(thread.posts):
        n_snippets = len(SNIPPETS)
        post.source = tuple(
            tuple(rng.sample(range(n_snippets), rng.randint(1, 3)))
            for _ in range(rng.randint(1, 3))
        )
        post.signature = post.author.signature
        post.kudos = _kudos(rng, post.uid == thread.accepted_uid)
        if i and rng.random() < 0.25:
            post.quotes = (_quote_of(rng, rng.choice(thread.posts[:i])),)
        if rng.random() < 0.06:
            post.edited_at = post.posted_at + timedelta(minutes=rng.randint(2, 300))


def _kudos(rng: random.Random, accepted: bool) -> int:
    r = rng.random()
    if r < 0.02:
        return rng.randint(1_000, 4_800)
    if r < 0.5 and not accepted:
        return 0
    return rng.randint(1, 40 if accepted else 12)


def _quote_of(rng: random.Random, source: Post) -> Quote:
    """Quote the first paragraph of ``source``, often with the quote it holds (3 deep at most)."""
    inner = [_trim(source.quotes[0], 2)] if source.quotes and rng.random() < 0.8 else []
    return Quote(source.author.login, source.uid, source.paragraphs[0], inner)


def _trim(quote: Quote, levels: int) -> Quote:
    """A copy of ``quote`` keeping ``levels`` levels of nesting (itself included)."""
    inner = [_trim(q, levels - 1) for q in quote.inner] if levels > 1 else []
    return Quote(quote.author, quote.post_uid, quote.text, inner)
