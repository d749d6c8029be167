package orggen

// Word lists for names, titles and descriptions. Every word is lowercase
// ASCII letters, so names built from them are valid entity names and
// descriptions built from them need no YAML quoting beyond plain quotes.

var businessWords = []string{
	"billing", "ledger", "payments", "refunds", "invoices", "accounts", "checkout",
	"cart", "catalog", "pricing", "search", "inventory", "shipping", "orders",
	"returns", "loyalty", "coupons", "reviews", "ratings", "profiles", "identity",
	"auth", "sessions", "notifications", "email", "sms", "push", "messaging",
	"analytics", "reporting", "metrics", "audit", "compliance", "fraud", "risk",
	"kyc", "onboarding", "support", "tickets", "chat", "recommendations",
	"personalization", "ads", "campaigns", "partners", "merchants", "payouts",
	"settlement", "tax", "fx", "wallet", "subscriptions", "plans", "usage",
	"quotas", "scheduler", "workflow", "documents", "media", "images", "video",
	"geo", "maps", "routing", "dispatch", "drivers", "fleet", "warehouse",
	"suppliers", "procurement", "contracts", "payroll", "hr", "recruiting",
	"feedback", "experiments", "flags", "config", "gateway", "edge", "cdn",
}

var departmentWords = []string{
	"engineering", "product", "data", "infrastructure", "security", "finance",
	"operations", "growth", "marketplace", "consumer", "enterprise", "platform",
}

var firstNames = []string{
	"wei", "na", "fang", "yang", "lei", "jie", "min", "tao", "jun", "qiang",
	"yan", "ming", "hui", "yu", "ana", "ben", "carla", "dev", "elena", "farid",
	"grace", "hiro", "ivan", "julia", "kofi", "lena", "marco", "nadia", "omar",
	"priya", "quinn", "rosa", "sam", "tara", "umar", "vera", "will", "xena",
	"yusuf", "zoe",
}

var lastNames = []string{
	"zhang", "li", "wang", "liu", "chen", "zhao", "sun", "zhou", "wu", "xu",
	"hu", "guo", "he", "lin", "ma", "luo", "gao", "zheng", "deng", "silva",
	"smith", "garcia", "muller", "rossi", "kim", "tanaka", "novak", "okafor",
	"patel", "ivanova", "jensen", "costa", "dubois", "nakamura", "haddad",
}

var languageTags = []string{"go", "java", "python", "typescript", "kotlin", "rust", "scala", "ruby"}

var topicTags = []string{"grpc", "rest", "kafka", "postgres", "redis", "batch", "pci", "gdpr", "ml", "cron"}

// fieldWords name properties in generated OpenAPI schemas.
var fieldWords = []string{
	"name", "status", "amount", "currency", "created_at", "updated_at", "owner_id",
	"description", "reference", "country", "email", "phone", "quantity", "sku",
	"region", "priority", "expires_at", "notes", "source", "external_id", "version",
}
