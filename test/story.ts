/** A story as the leak tests know it, read from content/ without the build. */
// A type, not an interface, so it counts as JSON when handed to workerd as a binding.
export type SourceStory = {
  slug: string;
  path: string;
  access: 'free' | 'metered' | 'premium';
  /** The section's id, from the frontmatter. */
  section: string;
  tags: string[];
  /** Sentences from the locked part, chosen so the HTML renders them character for character. */
  lockedSentences: string[];
};
