package dev.loopline.launcher.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Per-label phrasing for the ticket generator. The four default labels have hand-written English
 * phrasing (subjects, sentences, chat lines), a post-drift variant (new product names and wording
 * that borrows other labels' words) and a few lines in Japanese, Russian and Arabic. Any other
 * label gets pseudo-words derived from its name, so a configured label set still yields learnable
 * but noisy text.
 *
 * <p>Templates use slots such as {@code {order}} and {@code {amount}} that {@link TicketGenerator}
 * fills; slots are shared by all labels, which keeps words like "order" and "account"
 * uninformative.
 */
final class Vocabulary {

  /** One label's phrasing, before or after drift. */
  record Phrasing(List<String> subjects, List<String> sentences, List<String> chat) {}

  /** A label's phrasing now and after drift, plus non-Latin lines by language code. */
  record LabelVocab(
      String label, Phrasing normal, Phrasing drifted, Map<String, List<String>> foreign) {}

  static final List<String> GREETINGS =
      List.of(
          "Hi,", "Hello,", "Hi team,", "Good morning,", "Hey there,", "Dear support,", "Hello,");
  static final List<String> CLOSERS =
      List.of(
          "Thanks.",
          "Thank you in advance.",
          "Please help.",
          "This is urgent.",
          "Regards, {name}",
          "Cheers, {name}",
          "Thanks, {name}",
          "Best, {name}");

  /** Label-free sentences that appear in every label's tickets. */
  static final List<String> FILLERS =
      List.of(
          "I have been a customer for {n} years.",
          "I already tried contacting you {day}.",
          "Please get back to me as soon as possible.",
          "My order number is {order}.",
          "I tried the help center but found nothing.",
          "This is the second time I am writing about this.",
          "I am on the {plan} plan.",
          "My account email is {email}.",
          "Could you look into this today?",
          "I would appreciate a quick answer.");

  /** Tickets with almost no signal: any label may sit behind them. */
  static final List<String> VAGUE =
      List.of(
          "I have a problem with my order, please call me.",
          "Something is wrong with my account, can someone help?",
          "Please contact me about order {order}.",
          "Nothing works as it should. Call me back.",
          "Still waiting for an answer to my previous message.",
          "Can a human please look at my case?");

  static final List<String> EMOJI =
      List.of("🙏", "😡", "😕", "📦", "💳", "🔥", "👍", "😭", "🤔", "⚠️");

  static final List<String> NAMES =
      List.of(
          "Maria", "Jonas", "Aiko", "Priya", "Tom", "Fatima", "Lucas", "Chen", "Olga", "Sam",
          "Nadia", "Diego", "Emma", "Kwame", "Sofia", "Ivan");
  static final List<String> PLANS = List.of("Basic", "Plus", "Premium", "Family", "Business");
  static final List<String> DEVICES =
      List.of("iPhone", "Android phone", "laptop", "tablet", "Windows PC", "Mac", "Pixel");
  static final List<String> CARRIERS = List.of("UPS", "FedEx", "DHL", "USPS", "the courier");
  static final List<String> DAYS =
      List.of("yesterday", "on Monday", "last week", "two days ago", "this morning", "on Friday");
  static final List<String> PRODUCTS =
      List.of(
          "wireless earbuds",
          "smart thermostat",
          "desk lamp",
          "router",
          "phone case",
          "smart speaker",
          "fitness band",
          "camera");
  static final List<String> ERROR_CODES =
      List.of("E-1042", "0x80070005", "500", "ERR_TIMEOUT", "E-77", "403");

  static final Map<String, LabelVocab> DEFAULTS =
      Map.of(
          "Billing", billing(),
          "Technical", technical(),
          "Account", account(),
          "Shipping", shipping());

  private Vocabulary() {}

  static LabelVocab forLabel(String label, long seed) {
    LabelVocab v = DEFAULTS.get(label);
    return v != null ? v : synthetic(label, seed);
  }

  private static LabelVocab billing() {
    return new LabelVocab(
        "Billing",
        new Phrasing(
            List.of(
                "Double charge",
                "Refund request",
                "Wrong invoice amount",
                "Question about my bill",
                "Unexpected charge of {amount}",
                "Subscription price"),
            List.of(
                "I was charged twice for my {plan} subscription this month.",
                "There is a charge of {amount} on my card that I don't recognise.",
                "Can I get a refund for order {order}? I cancelled it {day}.",
                "My invoice shows the wrong amount, it should be {amount}.",
                "Why did my {plan} renewal cost more than last year?",
                "Please update the billing address on my invoices.",
                "The discount code was not applied and I paid full price.",
                "I need a copy of the invoice for order {order} for my expenses.",
                "My payment was declined but the money left my bank account.",
                "How do I cancel the automatic renewal before I get charged again?",
                "You billed me {amount} after I downgraded to {plan}.",
                "The refund you promised {day} still has not reached my card."),
            List.of(
                "charged twice?? {amount}",
                "hi need a refund for {order}",
                "why is my bill {amount} this month",
                "invoice pls for order {order}",
                "payment declined but money gone")),
        new Phrasing(
            List.of("LoopPay top-up", "Pulse+ fee", "Wallet balance", "Hold on my LoopPay"),
            List.of(
                "My LoopPay wallet top-up went through twice.",
                "The Pulse+ membership fee was taken from my LoopPay balance without asking.",
                "LoopPay shows a pending hold of {amount} that never clears.",
                "The wallet app froze on the confirm screen and the {amount} still left my balance.",
                "My Pulse+ trial converted to paid without a reminder.",
                "Cashback from LoopPay never landed in my wallet balance.",
                "Pulse+ renewal went through on the old wallet after I switched."),
            List.of(
                "looppay took {amount} twice",
                "pulse+ fee?? never agreed",
                "wallet balance is wrong after top-up",
                "looppay hold not released")),
        Map.of(
            "ja",
            List.of("二重に請求されました。返金をお願いします。", "請求書の金額が間違っています（{amount}）。"),
            "ru",
            List.of(
                "С меня дважды списали оплату за подписку.",
                "Прошу вернуть деньги за заказ {order}."),
            "ar",
            List.of("تم خصم المبلغ مرتين من بطاقتي.", "أريد استرداد المبلغ للطلب {order}.")));
  }

  private static LabelVocab technical() {
    return new LabelVocab(
        "Technical",
        new Phrasing(
            List.of(
                "App crash",
                "Error {errcode}",
                "Can't connect",
                "Update failed",
                "Bug report",
                "Sync not working"),
            List.of(
                "The app crashes as soon as I open it on my {device}.",
                "I get error code {errcode} when I try to sync.",
                "The {product} won't connect to wifi after the last update.",
                "Pages load forever and then time out.",
                "The update failed halfway and now the {product} is stuck on the logo.",
                "Bluetooth pairing with my {device} keeps dropping.",
                "Notifications stopped working on my {device}.",
                "The website shows a blank page when I click checkout.",
                "Export to CSV produces an empty file.",
                "The {product} battery drains in two hours since the firmware update.",
                "Search returns no results even for exact names.",
                "The screen flickers when the {product} is plugged in."),
            List.of(
                "app keeps crashing on my {device}",
                "error {errcode} again",
                "{product} wont connect",
                "is the site down? blank page",
                "update stuck at 40%")),
        new Phrasing(
            List.of("Nimbus Hub offline", "Orbit provisioning", "Hub pairing fails", "Scenes idle"),
            List.of(
                "The Nimbus Hub drops offline every night around 2am.",
                "Orbit says 'device not provisioned' after I scan the QR code.",
                "Pairing the Nimbus Hub with Orbit fails at 90%.",
                "Since v3 of Orbit my scenes don't trigger any more.",
                "The Nimbus Hub LED blinks amber and nothing responds.",
                "Orbit sign-in loops back to the start screen after the hub update.",
                "The hub rejects the access code shown in Orbit."),
            List.of(
                "nimbus hub offline again",
                "orbit stuck provisioning",
                "hub blinking amber",
                "orbit sign-in loop after hub update")),
        Map.of(
            "ja",
            List.of("アプリが起動直後にクラッシュします。", "アップデート後にWi-Fiに接続できません。"),
            "ru",
            List.of(
                "Приложение вылетает при запуске.",
                "После обновления устройство не подключается к Wi-Fi."),
            "ar",
            List.of("التطبيق يتوقف عن العمل عند فتحه.", "لا يتصل الجهاز بالإنترنت بعد التحديث.")));
  }

  private static LabelVocab account() {
    Phrasing p =
        new Phrasing(
            List.of(
                "Login problem",
                "Locked out",
                "Change email",
                "Delete my account",
                "Password reset",
                "Security concern"),
            List.of(
                "I can't log in, it says my password is wrong but I just reset it.",
                "Please change the email on my account to {email}.",
                "I never received the verification code.",
                "My account was locked after too many attempts.",
                "How do I delete my account and all my data?",
                "Someone else logged into my account from another country.",
                "I want to merge my two accounts into one.",
                "Two-factor authentication codes are not accepted.",
                "I need to add a second user to our {plan} account.",
                "The password reset link has expired every time I click it.",
                "Please update my username, I made a typo at sign-up."),
            List.of(
                "cant log in",
                "locked out of my account",
                "didn't get the code",
                "pls reset my password",
                "how do i change my email"));
    return new LabelVocab(
        "Account",
        p,
        p,
        Map.of(
            "ja",
            List.of("パスワードをリセットしてもログインできません。", "確認コードが届きません。"),
            "ru",
            List.of(
                "Не могу войти в аккаунт, пароль не подходит.", "Не приходит код подтверждения."),
            "ar",
            List.of("لا أستطيع تسجيل الدخول إلى حسابي.", "لم يصلني رمز التحقق.")));
  }

  private static LabelVocab shipping() {
    Phrasing p =
        new Phrasing(
            List.of(
                "Where is my order?",
                "Delivery problem",
                "Damaged parcel",
                "Wrong item",
                "Change delivery address",
                "Return label"),
            List.of(
                "My order {order} has not arrived and tracking has not moved since {day}.",
                "The parcel was delivered to the wrong address.",
                "The box arrived damaged and the {product} inside is broken.",
                "Can I change the delivery address for order {order}?",
                "{carrier} says delivered but nothing is at my door.",
                "I received the wrong item: I ordered a {product}.",
                "When will my order ship? It says processing for {n} days.",
                "Part of my order is missing, only one of {n} items came.",
                "Can you send it express? I need it before the weekend.",
                "The tracking number you gave me does not work on {carrier}.",
                "I'd like to return the {product}, how do I get a return label?"),
            List.of(
                "where is my order {order}",
                "package says delivered but not here",
                "wrong item received",
                "tracking not updating since {day}",
                "box arrived crushed"));
    return new LabelVocab(
        "Shipping",
        p,
        p,
        Map.of(
            "ja",
            List.of("注文{order}がまだ届いていません。", "荷物が破損して届きました。"),
            "ru",
            List.of("Заказ {order} до сих пор не доставлен.", "Посылка пришла повреждённой."),
            "ar",
            List.of("لم يصل طلبي {order} حتى الآن.", "وصل الطرد تالفاً.")));
  }

  /** Pseudo-words from the label's name: stable for a label and seed, distinct across labels. */
  private static LabelVocab synthetic(String label, long seed) {
    SplittableRandom r = new SplittableRandom(seed * 31 + label.hashCode());
    List<String> words = pseudoWords(r, 10);
    List<String> driftWords = pseudoWords(r, 8);
    String name = label.toLowerCase(Locale.ROOT);
    return new LabelVocab(label, phrasing(name, words), phrasing(name, driftWords), Map.of());
  }

  private static Phrasing phrasing(String name, List<String> w) {
    List<String> sentences = new ArrayList<>();
    List<String> subjects = new ArrayList<>();
    List<String> chat = new ArrayList<>();
    for (int i = 0; i < w.size(); i++) {
      String a = w.get(i);
      String b = w.get((i + 3) % w.size());
      sentences.add("I need help with the " + a + " and the " + b + ".");
      sentences.add("The " + a + " is not working as expected since {day}.");
      subjects.add(Character.toUpperCase(a.charAt(0)) + a.substring(1) + " issue");
      chat.add(a + " " + b + " problem");
    }
    sentences.add("This is about " + name + ", I think.");
    subjects.add("Question about " + name);
    return new Phrasing(subjects, sentences, chat);
  }

  private static List<String> pseudoWords(SplittableRandom r, int n) {
    String[] onsets = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br"};
    String[] vowels = {"a", "e", "i", "o", "u", "ai", "ou"};
    List<String> out = new ArrayList<>();
    while (out.size() < n) {
      StringBuilder w = new StringBuilder();
      int syllables = 2 + r.nextInt(2);
      for (int s = 0; s < syllables; s++) {
        w.append(onsets[r.nextInt(onsets.length)]).append(vowels[r.nextInt(vowels.length)]);
      }
      if (!out.contains(w.toString())) {
        out.add(w.toString());
      }
    }
    return out;
  }
}
