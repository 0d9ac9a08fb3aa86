// Type-aware lint: the rules that catch lost promises and unsafe any matter most in async Functions code.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "**/*.mjs",
      "**/*.mts",
      "**/*.js",
      ".localhost-data/**",
      "test-results/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Orchestrators replay: anything non-deterministic in them corrupts history.
    files: ["src/workflows/**/*.ts", "functions/**/*orchestrat*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: "Use context.df.currentUtcDateTime in orchestrators.",
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "Use context.df.currentUtcDateTime in orchestrators.",
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: "Use context.df.newGuid in orchestrators.",
        },
      ],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            "**/adapters/**",
            "@azure/cosmos",
            "@azure/communication-email",
            "node:*",
            "fs",
            "http",
            "https",
            "crypto",
          ],
        },
      ],
    },
  },
  {
    // The local host must stay extractable as a package: it never imports the app.
    files: ["src/localhost/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            "**/functions/**",
            "**/domain/**",
            "**/application/**",
            "**/adapters/**",
            "**/web/**",
            "**/config*",
          ],
        },
      ],
    },
  },
);
