import { profileSuite } from "../helpers/profile-suite.ts";

profileSuite("awx-23");
