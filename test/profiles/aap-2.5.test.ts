import { profileSuite } from "../helpers/profile-suite.ts";

profileSuite("aap-2.5");
