/**
 * The CSV shape of detection results, one row per flake: what `flakeops-detect --csv` writes and
 * what the API's web page downloads. "error" is the last column (a failed image's one row).
 */
export const CSV_COLUMNS = [
  "image",
  "flake",
  "thickness",
  "size",
  "center_x",
  "center_y",
  "min_sidelength",
  "max_sidelength",
  "aspect_ratio",
  "contrast_b",
  "contrast_g",
  "contrast_r",
  "false_positive_probability",
  "entropy",
  "bbox_x",
  "bbox_y",
  "bbox_w",
  "bbox_h",
  "error",
] as const;
