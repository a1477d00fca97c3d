// The stall categories (GET /api/v1/categories has the same codes; a test
// keeps them equal) and their names in the chosen language.
import { t } from "./i18n.js";

export const CATEGORIES = ["bungeoppang", "tteokbokki", "eomuk", "hotteok", "sundae", "kkochi", "twigim",
  "gyeranppang", "gunbam", "dakgangjeong", "silnae_pocha", "other"];

// categoryName is the name of a category code ("" for none).
export function categoryName(code) {
  return code ? t("cat." + code) : "";
}
