//! The one schema both backends share: only SQL types that SQLite and PostgreSQL both
//! have, timestamps as UTC `Timestamp`.

diesel::table! {
    departments (id) {
        id -> Integer,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        email -> Nullable<Text>,
        is_intake -> Bool,
        position -> Integer,
        reviewer_code -> Nullable<Text>,
        leader_username -> Nullable<Text>,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        hours -> Nullable<Text>,
        active -> Bool,
    }
}

diesel::table! {
    areas (id) {
        id -> Integer,
        code -> Text,
        parent_code -> Nullable<Text>,
        level -> Integer,
        name_zh -> Text,
        name_en -> Text,
        position -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    channels (id) {
        id -> Integer,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        description_zh -> Text,
        description_en -> Text,
        position -> Integer,
        active -> Bool,
        reach_zh -> Text,
        reach_en -> Text,
    }
}

diesel::table! {
    category_groups (id) {
        id -> Integer,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        position -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    categories (id) {
        id -> Integer,
        code -> Text,
        group_code -> Text,
        name_zh -> Text,
        name_en -> Text,
        urgent -> Bool,
        position -> Integer,
        supervisor_code -> Nullable<Text>,
        active -> Bool,
    }
}

diesel::table! {
    category_channels (category_code, channel_code) {
        category_code -> Text,
        channel_code -> Text,
        position -> Integer,
    }
}

diesel::table! {
    routing_rules (id) {
        id -> Integer,
        category_code -> Nullable<Text>,
        area_code -> Nullable<Text>,
        department_code -> Text,
        active -> Bool,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        tracking_number -> Text,
        state -> Text,
        channel -> Text,
        category_code -> Text,
        area_code -> Text,
        department_code -> Text,
        routing_rule_id -> Nullable<Integer>,
        title -> Text,
        description -> Text,
        address -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        resident_name -> Text,
        resident_phone -> Nullable<Text>,
        resident_email -> Nullable<Text>,
        locale -> Text,
        confidential -> Bool,
        publish_consent -> Bool,
        access_token_hash -> Text,
        submitted_at -> Timestamp,
        updated_at -> Timestamp,
        acceptance_due_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        last_event_seq -> Integer,
        last_event_hash -> Text,
        answer_due_at -> Nullable<Timestamp>,
        objection_from -> Nullable<Text>,
        extension_state -> Nullable<Text>,
        concerned_department -> Nullable<Text>,
        supervisor_id -> Nullable<Integer>,
        identity_removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_events (id) {
        id -> BigInt,
        case_id -> BigInt,
        seq -> Integer,
        kind -> Text,
        visibility -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Integer>,
        payload -> Text,
        created_at -> Timestamp,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        department_code -> Nullable<Text>,
        email -> Nullable<Text>,
        locale -> Text,
        active -> Bool,
        credentials_version -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        token_hash -> Text,
        user_id -> Integer,
        credentials_version -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        username -> Text,
        client_ip -> Text,
        at -> Timestamp,
        from_known -> Bool,
    }
}

diesel::table! {
    known_sign_ins (username, client_ip) {
        username -> Text,
        client_ip -> Text,
        last_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> Nullable<Integer>,
        resident_id -> Nullable<Integer>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_log (id) {
        id -> BigInt,
        user_id -> Integer,
        case_id -> BigInt,
        what -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Integer,
        name -> Text,
        key_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        filings_per_hour -> Integer,
    }
}

diesel::table! {
    catalog_state (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    catalog_changes (id) {
        id -> Integer,
        at -> Timestamp,
        actor -> Text,
        entity -> Text,
        code -> Text,
        action -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    liaisons (id) {
        id -> Integer,
        area_code -> Text,
        name -> Text,
        title -> Text,
        office -> Text,
        phone -> Text,
        hours -> Text,
        duties -> Text,
        active -> Bool,
        position -> Integer,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(api_tokens, users);

diesel::table! {
    answer_templates (id) {
        id -> Integer,
        category_code -> Text,
        department_code -> Nullable<Text>,
        title -> Text,
        outcome -> Text,
        body -> Text,
        legal_basis -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deadline_policies (category_code) {
        category_code -> Text,
        acceptance_days -> Integer,
        answer_days -> Integer,
        max_extension_days -> Integer,
        review_window_days -> Integer,
        review_answer_days -> Integer,
        working_days -> Bool,
    }
}

diesel::table! {
    calendar_holidays (id) {
        id -> Integer,
        year -> Integer,
        first_day -> Date,
        last_day -> Date,
        name -> Text,
    }
}

diesel::table! {
    calendar_workdays (day) {
        day -> Date,
        year -> Integer,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        case_id -> Nullable<BigInt>,
        recipient -> Text,
        locale -> Text,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    residents (id) {
        id -> Integer,
        email -> Text,
        locale -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    resident_cases (resident_id, case_id) {
        resident_id -> Integer,
        case_id -> BigInt,
        linked_at -> Timestamp,
    }
}

diesel::table! {
    email_links (id) {
        id -> BigInt,
        purpose -> Text,
        email -> Text,
        token_hash -> Text,
        case_id -> Nullable<BigInt>,
        locale -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    supports (id) {
        id -> BigInt,
        case_id -> BigInt,
        email -> Text,
        locale -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        mail_stopped_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        case_id -> BigInt,
        stored_name -> Text,
        display_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reception_days (id) {
        id -> Integer,
        leader_id -> Integer,
        day -> Date,
        starts_at -> Text,
        ends_at -> Text,
        place -> Text,
        capacity -> Integer,
        categories -> Text,
        areas -> Text,
        created_by -> Integer,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
    }
}

diesel::table! {
    bookings (id) {
        id -> Integer,
        day_id -> Integer,
        case_id -> BigInt,
        booked_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        attended -> Nullable<Bool>,
        outcome -> Nullable<Text>,
        met_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_key (id) {
        id -> Integer,
        check_value -> Text,
        keyed_at -> Timestamp,
    }
}

diesel::table! {
    chain_anchors (case_id) {
        case_id -> BigInt,
        seq -> Integer,
        hash -> Text,
        seal -> Text,
    }
}

diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(bookings -> reception_days (day_id));
diesel::joinable!(bookings -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(bookings, reception_days, cases, users);
diesel::joinable!(resident_cases -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(resident_cases, cases);
diesel::allow_tables_to_appear_in_same_query!(supports, cases);
diesel::allow_tables_to_appear_in_same_query!(case_events, cases);
diesel::allow_tables_to_appear_in_same_query!(sessions, users, residents);

diesel::table! {
    routing_models (id) {
        id -> Integer,
        trained_at -> Timestamp,
        cases -> Integer,
        figures -> Text,
        model -> Text,
    }
}

diesel::table! {
    routing_settings (id) {
        id -> Integer,
        suggestions_on -> Bool,
        training_requested_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    board_texts (case_id) {
        case_id -> BigInt,
        text -> Text,
    }
}

diesel::table! {
    board_terms (term, case_id) {
        term -> Text,
        case_id -> BigInt,
    }
}

diesel::table! {
    board_index_state (id) {
        id -> Integer,
        indexed_through -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(board_texts, cases);
diesel::allow_tables_to_appear_in_same_query!(board_terms, cases);

diesel::table! {
    major_cases (case_id) {
        case_id -> BigInt,
        since -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(major_cases, cases);

diesel::table! {
    /// Kept by triggers on `cases` (migration `queue_at_scale`); never written by code.
    case_counts (department_code, state) {
        department_code -> Text,
        state -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    user_areas (user_id, area_code) {
        user_id -> Integer,
        area_code -> Text,
    }
}

diesel::table! {
    visits (id) {
        id -> Integer,
        area_code -> Text,
        visited_on -> Date,
        met -> Text,
        notes -> Text,
        liaison_id -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    visit_cases (case_id) {
        case_id -> BigInt,
        visit_id -> Integer,
    }
}

diesel::joinable!(visit_cases -> visits (visit_id));
diesel::joinable!(visit_cases -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(visit_cases, visits);
diesel::allow_tables_to_appear_in_same_query!(visit_cases, cases);
diesel::allow_tables_to_appear_in_same_query!(visits, cases);
diesel::allow_tables_to_appear_in_same_query!(user_areas, users);

diesel::table! {
    synthetic_loads (seed) {
        seed -> BigInt,
        target -> BigInt,
        months -> Integer,
        loaded -> BigInt,
        first_id -> BigInt,
        anchored_at -> Timestamp,
    }
}

diesel::table! {
    /// What the monthly review counts of each case, as last tallied (service::figures).
    case_facts (case_id) {
        case_id -> BigInt,
        department -> Text,
        category -> Text,
        area -> Text,
        concerned -> Text,
        submitted_at -> Timestamp,
        acceptance_due_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        accepted_at -> Nullable<Timestamp>,
        answered_at -> Nullable<Timestamp>,
        answer_due_at -> Nullable<Timestamp>,
        answer_seconds -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        rated_at -> Nullable<Timestamp>,
        rating -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    review_days (day, department, category, concerned) {
        day -> Date,
        department -> Text,
        category -> Text,
        concerned -> Text,
        received -> BigInt,
        decided -> BigInt,
        decided_in_time -> BigInt,
        accepted -> BigInt,
        answered -> BigInt,
        answered_in_time -> BigInt,
        resolved -> BigInt,
        rated -> BigInt,
        rated_satisfied -> BigInt,
        closed -> BigInt,
    }
}

diesel::table! {
    review_areas (day, area, category, concerned) {
        day -> Date,
        area -> Text,
        category -> Text,
        concerned -> Text,
        received -> BigInt,
    }
}

diesel::table! {
    review_figures_state (id) {
        id -> Integer,
        built -> Bool,
    }
}

diesel::joinable!(case_facts -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(case_facts, cases);
