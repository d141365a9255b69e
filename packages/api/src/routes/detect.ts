import { DEFAULT_MODEL_ID } from "@flakeops/inference";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { DETECT_PATH } from "../contract.js";
import { actingCustomer, requireKey } from "../http/auth.js";
import { detectUpload, receive } from "../http/detection.js";
import { ApiError } from "../http/errors.js";
import { fileField, readForm, textFields } from "../http/form.js";
import { limitBody, requireMultipart } from "../http/limits.js";
import type { AppEnv } from "../http/types.js";
import type { Services } from "../services/services.js";
import { DetectFields, type DetectResponse } from "./schemas.js";

/** POST /detect: the seed's endpoint (`curl -F image=@x.jpg -F customer_id=test`). */
export function detectRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  if (s.config.corsOrigins.length > 0) {
    const origins = s.config.corsOrigins;
    app.use(
      DETECT_PATH,
      cors({
        origin: origins.includes("*") ? "*" : [...origins],
        exposeHeaders: ["X-Request-Id", "Retry-After", "Retry-After-Ms"],
      }),
    );
  }
  // Cheap refusals first, all before the body is read: auth, media type, draining/queue full.
  return app.post(
    DETECT_PATH,
    requireKey(s.keys),
    requireMultipart(),
    receive(s),
    limitBody(s.config.maxBodyBytes),
    async (c) => {
      const form = await readForm(c);
      const image = fileField(form, "image");
      const fields = textFields(form, DetectFields);
      const customer = actingCustomer(c.get("customer"), fields.customer_id);
      if (customer === undefined) {
        throw new ApiError(400, "MISSING_FIELD", "customer_id: required");
      }
      c.set("customer", customer); // for the access log
      const result = await detectUpload(c, s, image.bytes, {
        model: fields.model ?? DEFAULT_MODEL_ID,
        ...(fields.size_threshold !== undefined && { sizeThreshold: fields.size_threshold }),
        ...(fields.std_threshold !== undefined && { stdThreshold: fields.std_threshold }),
        ...(fields.return_overlay && { overlay: true }),
        ...(fields.reject_bright_edges && { rejectBrightEdges: true }),
        ...(fields.max_fp_probability !== undefined && {
          maxFpProbability: fields.max_fp_probability,
        }),
        ...(fields.explain && { explainRejections: true }),
      });
      const withMasks = fields.return_mask !== false;
      const body: DetectResponse = {
        request_id: c.get("requestId"),
        customer_id: customer,
        model: result.model,
        image: { width: result.width, height: result.height },
        flakes: withMasks ? result.flakes : result.flakes.map(({ mask: _, ...rest }) => rest),
        timings: result.timings,
      };
      if (fields.explain) {
        const rejected = result.rejected ?? [];
        body.rejected = withMasks ? rejected : rejected.map(({ mask: _, ...rest }) => rest);
      }
      if (result.overlay) {
        body.overlay = `data:image/png;base64,${Buffer.from(result.overlay).toString("base64")}`;
      }
      return c.json(body, 200);
    },
  );
}
